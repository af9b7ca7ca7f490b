import type { FileSource } from './channel.js';
import type { FileNotice } from './notices.js';
import type { Sha256Stream } from './sha256.js';

/**
 * offered: waits for our Accept/Decline · waiting: our offer waits for theirs · running · paused: the link
 * is down (it resumes from the last confirmed offset) · done: verified (in) or confirmed (out).
 */
export type TransferPhase =
  'offered' | 'waiting' | 'running' | 'paused' | 'done' | 'declined' | 'cancelled' | 'failed';

export interface TransferView {
  readonly key: string;
  readonly direction: 'in' | 'out';
  readonly peer: string;
  /** Undefined: they gave no name. */
  readonly peerName: string | undefined;
  readonly name: string;
  readonly size: number;
  readonly mime: string;
  readonly phase: TransferPhase;
  /** Received (in) or confirmed by the receiver (out). */
  readonly bytes: number;
  readonly bytesPerSecond: number | undefined;
  readonly secondsLeft: number | undefined;
  /** Why it stopped, or what was refused along the way. */
  readonly message: FileNotice | undefined;
}

/** What an offer of one file shares among its transfers (one per participant): the file and its hash. */
export interface Outgoing {
  readonly file: FileSource;
  /** Fed each piece once, in order, by whichever transfer has sent it first. */
  readonly hash: Sha256Stream;
  /** Bytes given to `hash` so far. */
  fed: number;
  digest: Promise<string> | undefined;
}

/** One file to or from one participant. */
export interface Transfer<Part> {
  readonly key: string;
  readonly id: string;
  readonly n: number;
  readonly direction: 'in' | 'out';
  readonly peer: string;
  readonly name: string;
  readonly size: number;
  readonly mime: string;
  /** Out: the file and its hash. */
  readonly out: Outgoing | undefined;
  /** In: the SHA-256 of the bytes received so far, whole pieces in order (from Accept on). */
  hash: Sha256Stream | undefined;
  phase: TransferPhase;
  bytes: number;
  /** Out: bytes queued on the channel so far. */
  sent: number;
  /** In: the digest the sender announced. */
  digest: string | undefined;
  epoch: number;
  /** In: whole pieces received so far, and the piece being filled. */
  parts: Part[];
  piece: Uint8Array<ArrayBuffer> | undefined;
  duplicates: number;
  message: FileNotice | undefined;
  rateAt: number;
  rateBytes: number;
  bytesPerSecond: number | undefined;
  lastAck: number;
}

export type TransferInit<Part> = Pick<
  Transfer<Part>,
  'id' | 'n' | 'direction' | 'peer' | 'name' | 'size' | 'mime' | 'out'
>;

export const ACTIVE: ReadonlySet<TransferPhase> = new Set(['running', 'paused']);
export const FINAL: ReadonlySet<TransferPhase> = new Set(['done', 'declined', 'cancelled', 'failed']);

/** A new transfer, offered (in) or about to be (out), with nothing moved yet. */
export function newTransfer<Part>(init: TransferInit<Part>, now: number): Transfer<Part> {
  return {
    ...init,
    key: `${init.direction}:${init.peer}:${init.id}`,
    hash: undefined,
    phase: 'offered',
    bytes: 0,
    sent: 0,
    digest: undefined,
    epoch: 0,
    parts: [],
    piece: undefined,
    duplicates: 0,
    message: undefined,
    rateAt: now,
    rateBytes: 0,
    bytesPerSecond: undefined,
    lastAck: 0,
  };
}

/** Speed over the last half second or more, smoothed. */
export function updateRate(t: Transfer<unknown>, now: number): void {
  const dt = now - t.rateAt;
  if (dt < 500) return;
  const bps = ((t.bytes - t.rateBytes) * 1000) / dt;
  t.bytesPerSecond = t.bytesPerSecond === undefined ? bps : 0.7 * bps + 0.3 * t.bytesPerSecond;
  t.rateAt = now;
  t.rateBytes = t.bytes;
}

export function transferView(t: Transfer<unknown>, peerName: string | undefined): TransferView {
  const bps = t.phase === 'running' ? t.bytesPerSecond : undefined;
  return {
    key: t.key,
    direction: t.direction,
    peer: t.peer,
    peerName,
    name: t.name,
    size: t.size,
    mime: t.mime,
    phase: t.phase,
    bytes: t.bytes,
    bytesPerSecond: bps,
    secondsLeft: bps ? (t.size - t.bytes) / bps : undefined,
    message: t.message,
  };
}
