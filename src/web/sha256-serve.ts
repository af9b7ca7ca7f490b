import { sha256 } from '@noble/hashes/sha2.js';

/** What the hashing worker's global scope offers (a dedicated Worker's `self`). */
export interface HashWorkerScope {
  onmessage: ((event: { data: unknown }) => void) | null;
  postMessage(message: string): void;
  close(): void;
}

/**
 * The worker's side of an incremental SHA-256: the page sends the file's bytes in order (Uint8Arrays or
 * ArrayBuffers) and then 'digest'; the worker answers with the lowercase hex SHA-256 and ends.
 */
export function serveSha256(scope: HashWorkerScope): void {
  const hash = sha256.create();
  scope.onmessage = ({ data }) => {
    if (data instanceof Uint8Array) hash.update(data);
    else if (data instanceof ArrayBuffer) hash.update(new Uint8Array(data));
    else if (data === 'digest') {
      scope.postMessage(toHex(hash.digest()));
      scope.close();
    }
  };
}

function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex;
}
