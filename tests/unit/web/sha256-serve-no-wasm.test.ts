import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { worker } from './hash-worker-driver.js';

describe('the hashing worker where WebAssembly may not be compiled', () => {
  it("hashes in JavaScript (a CSP without 'wasm-unsafe-eval', or a browser without WebAssembly)", async () => {
    // What Chromium answers under such a CSP (this file runs in its own module graph: nothing compiled yet).
    const refused = () =>
      Promise.reject(
        new WebAssembly.CompileError(
          "WebAssembly.compile(): Refused to compile or instantiate WebAssembly module because 'unsafe-eval' is not an allowed source of script",
        ),
      );
    vi.spyOn(WebAssembly, 'compile').mockImplementation(refused);
    vi.spyOn(WebAssembly, 'instantiate').mockImplementation(refused);
    const data = randomBytes(1024 * 1024 + 9);
    const { send, answers } = worker();
    send(new Uint8Array(data));
    send('engine');
    send('digest');
    expect(await answers(2)).toEqual(['js', createHash('sha256').update(data).digest('hex')]);
    expect(WebAssembly.compile).toHaveBeenCalled();
  });
});
