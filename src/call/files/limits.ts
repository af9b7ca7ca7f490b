/** Bytes per chunk on the file channel (plus a 12-byte header: transfer number, offset). */
export const CHUNK_BYTES = 64 * 1024;
/** The sender reads the file, and both sides hand it to their SHA-256 worker, in pieces of this size. */
export const PIECE_BYTES = 1024 * 1024;
/**
 * While people chat on the link, the sender stops queueing while this much is buffered (≤ 256 KiB in
 * flight). Chat and pings share the connection's send queue: with 1 MiB buffered, chat waited p50 179 / p95
 * 1490 ms behind a transfer; with 256 KiB, 71 / 369 ms, at the same speed relative to the raw channel
 * (bench:transfer, loaded 2-core machine).
 */
export const HIGH_WATER_BYTES = 256 * 1024 - CHUNK_BYTES;
/** …and goes on when the channel's buffer drains below this (`bufferedamountlow`). */
export const LOW_WATER_BYTES = 64 * 1024;
/**
 * With nobody chatting on the link (CHAT_ACTIVE_MS), the sender keeps up to this much buffered, as the raw
 * ceiling in bench:transfer does (≤ 1 MiB in flight), and refills below QUIET_LOW_WATER_BYTES. 256 KiB lasts
 * a few ms on a fast link, while a loaded machine holds a page's main thread back for 50–100 ms at a time
 * (its timers' median lateness during a transfer): with the small buffer the channel then stands empty
 * until the page runs again.
 */
export const QUIET_HIGH_WATER_BYTES = 1024 * 1024 - CHUNK_BYTES;
export const QUIET_LOW_WATER_BYTES = 256 * 1024;
/**
 * The most file bytes a sender has out to one peer beyond what that peer's page has confirmed reading
 * (file-ack). A data channel hands messages to the page without flow control and in arrival order, chat's
 * too: a page whose main thread is held up (a loaded machine) piles up whatever arrives, and the next chat
 * message waits behind the pile. With no bound, 0.4–4 MiB were unread there when chat was sent and chat p95
 * was 664–1408 ms beside 200–219 ms during a raw transfer (bench:transfer, load 8–13 on 2 cores).
 */
export const WINDOW_BYTES = 4 * 1024 * 1024;
/**
 * The window while chat is active on the link (CHAT_ACTIVE_MS): chat p95 during a transfer was then
 * 54–191 ms with 128–512 KiB, beside 65–1718 ms during a raw transfer in the same runs. It costs speed on a
 * loaded machine (two 50 MiB transfers at once both ways: 46 s with 512 KiB at all times, 23 s unbounded),
 * hence only while people chat; 64 KiB (one chunk at a time) cut throughput to 0.41 of raw. 256 KiB with
 * acks every 64 KiB (and 1 MiB buffered) was no better: chat p95 2676 ms against 528 ms beside a raw
 * transfer, 0.15–0.76 of raw's speed (30 MiB, 2 runs, load 12–34).
 */
export const CHAT_WINDOW_BYTES = 512 * 1024;
/** What a sender keeps to on one link: buffered (stop above `highWater`, go on below `lowWater`), and unread. */
export interface FlowLimits {
  readonly highWater: number;
  readonly lowWater: number;
  readonly window: number;
}
/** With nobody chatting on the link. */
export const QUIET_LIMITS: FlowLimits = {
  highWater: QUIET_HIGH_WATER_BYTES,
  lowWater: QUIET_LOW_WATER_BYTES,
  window: WINDOW_BYTES,
};
/** While people chat on it (CHAT_ACTIVE_MS): file bytes keep out of chat's way. */
export const CHAT_LIMITS: FlowLimits = {
  highWater: HIGH_WATER_BYTES,
  lowWater: LOW_WATER_BYTES,
  window: CHAT_WINDOW_BYTES,
};
/** A chat message or its ack from a peer within this long makes the link's file window CHAT_WINDOW_BYTES. */
export const CHAT_ACTIVE_MS = 20_000;
/**
 * While people chat on a link, its sender times a round trip on the chat's path (a ping on the control
 * channel) this often, and paces file bytes by them (pacer.ts): on a 2-core machine a transfer at full speed
 * takes the CPU both pages' chat needs, beside a raw transfer too (chat p95 204 ms, the receiving page's
 * timers p95 313 ms late; no transfer: 18 ms).
 */
export const PROBE_EVERY_MS = 100;
/** A round trip more than this above the lowest of the last PACE_BASE_MS is slow: file bytes back off. */
export const PACE_SLACK_MS = 20;
export const PACE_BASE_MS = 10_000;
/** A slow round trip multiplies the paced rate by this (the first one the rate measured over the last second). */
export const PACE_DECREASE = 0.5;
/** Each round trip near the lowest adds this to the paced rate. */
export const PACE_INCREASE_BYTES_PER_S = 32 * 1024;
/** The paced rate never goes below this: a file beside a busy chat still moves. */
export const PACE_MIN_BYTES_PER_S = 256 * 1024;
/** What a paced sender may send at once after a pause (two chunks). */
export const PACE_BURST_BYTES = 2 * (CHUNK_BYTES + 12);
/**
 * The receiver confirms this often: it moves the sender's window (≤ CHAT_WINDOW_BYTES / 2), shows the sender's progress,
 * and is where a resume starts.
 */
export const ACK_EVERY_BYTES = 128 * 1024;
/**
 * A transfer's progress (bytes, speed, time left) is told at most this often; phases at once. Each time both
 * pages lay out and paint their transfer list. With 100 ms the receiving page painted 23-24 times a second
 * during a transfer with chat (12 with chat alone); with 250 ms, 20, but its main thread's CPU stayed the
 * same (1501 ms over 22 s against 1489 and 1530 ms; bench:transfer BENCH_TRACE=1): progress is not what
 * holds it. 4 a second still reads as moving.
 */
export const PROGRESS_EVERY_MS = 250;
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
