import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { serveSha256, type HashWorkerScope } from '../../../src/web/sha256-serve.js';

/** The hashing worker's code, driven as the page drives it (the Worker itself runs in the e2e tests). */
function worker() {
  const posted: string[] = [];
  const scope: HashWorkerScope & { closed: boolean } = {
    onmessage: null,
    closed: false,
    postMessage: (message) => posted.push(message),
    close: () => (scope.closed = true),
  };
  serveSha256(scope);
  const send = (data: unknown) => scope.onmessage!({ data });
  return { scope, posted, send };
}

describe('the hashing worker', () => {
  it('answers the plain SHA-256 of everything sent in order, however it was cut, then ends', () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const { scope, posted, send } = worker();
    for (let at = 0, i = 0; at < data.length; i++) {
      const end = Math.min(data.length, at + [1 << 20, 65536, 5][i % 3]!);
      const piece = new Uint8Array(data.subarray(at, end));
      send(i % 2 === 0 ? piece : piece.buffer);
      at = end;
    }
    send('something else');
    expect(posted).toEqual([]);
    send('digest');
    expect(posted).toEqual([createHash('sha256').update(data).digest('hex')]);
    expect(scope.closed).toBe(true);
  });

  it('an empty file has the SHA-256 of nothing', () => {
    const { posted, send } = worker();
    send('digest');
    expect(posted).toEqual(['e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']);
  });
});
