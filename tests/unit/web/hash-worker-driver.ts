import { serveSha256, type HashWorkerScope } from '../../../src/web/sha256-serve.js';

/** The hashing worker's code, driven as the page drives it (the Worker itself runs in the e2e tests). */
export function worker() {
  const posted: string[] = [];
  const scope: HashWorkerScope & { closed: boolean } = {
    onmessage: null,
    closed: false,
    postMessage: (message) => posted.push(message),
    close: () => (scope.closed = true),
  };
  serveSha256(scope);
  const send = (data: unknown) => scope.onmessage!({ data });
  /** The worker's answers once it has given `n` (its engine may still be loading when asked). */
  const answers = async (n: number) => {
    for (let i = 0; i < 1000 && posted.length < n; i++) await new Promise((r) => setTimeout(r, 1));
    return posted;
  };
  return { scope, posted, send, answers };
}
