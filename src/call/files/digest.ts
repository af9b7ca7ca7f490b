/** SHA-256 of one buffer (in the browser: `crypto.subtle.digest`, native and off the main thread). */
export type Digest = (bytes: Uint8Array<ArrayBuffer>) => Promise<Uint8Array>;

/**
 * A file's check value: SHA-256 over the SHA-256 of each 1 MiB piece in order, as hex. WebCrypto hashes
 * only whole buffers and the sender never holds the whole file, so each side hashes piece by piece as the
 * bytes go by; any changed, missing or reordered byte changes the result like a plain SHA-256 would.
 */
export async function fileDigest(digest: Digest, pieces: readonly Promise<Uint8Array>[]): Promise<string> {
  const hashes = await Promise.all(pieces);
  const joined = new Uint8Array(hashes.length * 32);
  hashes.forEach((hash, i) => {
    if (hash.length !== 32) throw new Error('not a SHA-256');
    joined.set(hash, i * 32);
  });
  const result = await digest(joined);
  return [...result].map((b) => b.toString(16).padStart(2, '0')).join('');
}
