/**
 * An incremental SHA-256 of one file, fed its bytes in order (in the browser: a Worker's, off the page's
 * main thread; see src/web/worker-sha256.ts). WebCrypto cannot hash a stream, and neither side holds the
 * whole file at once, so each side feeds its pieces as they go by.
 */
export interface Sha256Stream {
  /** The next bytes of the file. The stream takes them over: the caller must not use them afterwards. */
  update(bytes: Uint8Array<ArrayBuffer>): void;
  /** The SHA-256 of everything given, as lowercase hex; rejects when the hash could not be computed. */
  digest(): Promise<string>;
  /** Drops the stream (a stopped transfer); a pending digest() never settles. */
  close(): void;
}

export type NewSha256 = () => Sha256Stream;
