/**
 * A data channel of its own for file bytes (one per link, so that chat, ping and "bye" never wait behind a
 * file): RTCDataChannel's slice the core uses. Created negotiated on both sides, so it needs no signaling.
 */
export interface FileChannelLike {
  readonly readyState: string;
  readonly bufferedAmount: number;
  bufferedAmountLowThreshold: number;
  send(data: string | Uint8Array<ArrayBuffer>): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  onbufferedamountlow: (() => void) | null;
}

/** A file to send: read one slice at a time (a File or Blob; never held whole). */
export interface FileSource {
  readonly name: string;
  readonly size: number;
  readonly type: string;
  slice(start: number, end: number): { arrayBuffer(): Promise<ArrayBuffer> };
}

/** A chunk on the wire: transfer number (u32), offset (f64), then the bytes. */
export function encodeChunk(n: number, offset: number, bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const frame = new Uint8Array(12 + bytes.length);
  const view = new DataView(frame.buffer);
  view.setUint32(0, n);
  view.setFloat64(4, offset);
  frame.set(bytes, 12);
  return frame;
}

export function decodeChunk(data: unknown): { n: number; offset: number; bytes: Uint8Array } | undefined {
  const frame =
    data instanceof ArrayBuffer ? new Uint8Array(data) : data instanceof Uint8Array ? data : undefined;
  if (!frame || frame.length < 12) return undefined;
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const offset = view.getFloat64(4);
  if (!Number.isSafeInteger(offset) || offset < 0) return undefined;
  return { n: view.getUint32(0), offset, bytes: frame.subarray(12) };
}
