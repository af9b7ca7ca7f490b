import type { Sha256Stream } from '../call/files/sha256.js';

/**
 * A file's SHA-256 in a Worker of its own (WebAssembly there, see sha256-serve.ts): the page's main thread only hands the
 * pieces over (their buffers are transferred, not copied). One worker per file; it ends with the digest or
 * on close(). A worker that cannot start (a page whose CSP forbids it) makes digest() reject.
 */
export function workerSha256(): Sha256Stream {
  let worker: Worker | undefined;
  let failure: Error | undefined;
  let result: Promise<string> | undefined;
  let settle: { resolve: (hex: string) => void; reject: (error: Error) => void } | undefined;
  const fail = (error: Error) => {
    failure ??= error;
    worker?.terminate();
    worker = undefined;
    settle?.reject(failure);
  };
  try {
    worker = new Worker(new URL('./sha256-worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (event: MessageEvent<unknown>) => {
      if (typeof event.data === 'string') settle?.resolve(event.data);
      worker?.terminate();
      worker = undefined;
    };
    worker.onerror = (event) =>
      fail(new Error(`the hashing worker failed: ${event.message || 'not loaded'}`));
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error));
  }
  return {
    update(bytes) {
      if (!worker) return;
      const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
      worker.postMessage(bytes, whole ? [bytes.buffer] : []);
    },
    digest() {
      result ??= new Promise<string>((resolve, reject) => {
        if (failure || !worker) return reject(failure ?? new Error('the hashing worker was closed'));
        settle = { resolve, reject };
        worker.postMessage('digest');
      });
      return result;
    },
    close() {
      worker?.terminate();
      worker = undefined;
    },
  };
}
