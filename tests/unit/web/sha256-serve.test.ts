import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { worker } from './hash-worker-driver.js';

describe('the hashing worker', () => {
  it('answers the plain SHA-256 of everything sent in order, however it was cut, then ends', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const { scope, posted, send, answers } = worker();
    for (let at = 0, i = 0; at < data.length; i++) {
      const end = Math.min(data.length, at + [1 << 20, 65536, 5][i % 3]!);
      const piece = new Uint8Array(data.subarray(at, end));
      send(i % 2 === 0 ? piece : piece.buffer);
      at = end;
    }
    send('something else');
    expect(posted).toEqual([]);
    send('digest');
    expect(await answers(1)).toEqual([createHash('sha256').update(data).digest('hex')]);
    expect(scope.closed).toBe(true);
  });

  it('an empty file has the SHA-256 of nothing', async () => {
    const { send, answers } = worker();
    send('digest');
    expect(await answers(1)).toEqual(['e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']);
  });

  it('hashes with WebAssembly where it may, what came while it loaded in order, and the same afterwards', async () => {
    const data = randomBytes(2 * 1024 * 1024 + 3);
    const { posted, send, answers } = worker();
    // Sent before the engine can have loaded (nothing has awaited yet): it waits, in order.
    send(new Uint8Array(data.subarray(0, 1 << 20)));
    send('engine');
    expect(posted).toEqual([]);
    expect(await answers(1)).toEqual(['wasm']);
    send(new Uint8Array(data.subarray(1 << 20)).buffer);
    send('digest');
    expect(await answers(2)).toEqual(['wasm', createHash('sha256').update(data).digest('hex')]);
  });
});
