/** Bytes per chunk on the file channel (plus a 12-byte header: transfer number, offset). */
export const CHUNK_BYTES = 64 * 1024;
/** The sender reads the file, and both sides hash it, in pieces of this size (see digest.ts). */
export const PIECE_BYTES = 1024 * 1024;
/**
 * The sender stops queueing while this much is buffered (≤ 256 KiB in flight). Chat and pings share the
 * connection's send queue: with 1 MiB buffered, chat waited p50 179 / p95 1490 ms behind a transfer; with
 * 256 KiB, 71 / 369 ms, at the same speed relative to the raw channel (bench:transfer, loaded 2-core machine).
 */
export const HIGH_WATER_BYTES = 256 * 1024 - CHUNK_BYTES;
/** …and goes on when the channel's buffer drains below this (`bufferedamountlow`). */
export const LOW_WATER_BYTES = 64 * 1024;
/** The receiver confirms this often (the offset a resume starts from, and the sender's progress). */
export const ACK_EVERY_BYTES = 1024 * 1024;
/**
 * The largest file we receive: it is held in memory until it is verified and saved (a Blob). Offers above
 * it are refused with a reason.
 */
export const MAX_RECEIVE_BYTES = 1024 * 1024 * 1024;
/** A file name is shown as text and cut to this many characters. */
export const MAX_FILE_NAME = 255;
export const HEADER_BYTES = 12;
/** The negotiated data channel id of the file channel (simple-peer's own channel takes low ids). */
export const FILE_CHANNEL_ID = 1000;
