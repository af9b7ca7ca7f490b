import type { PeerMessage } from '../channel/messages.js';
import type { Timers } from '../ports.js';
import { decodeChunk } from './channel.js';
import { ACK_EVERY_BYTES, PIECE_BYTES } from './limits.js';
import type { FileNotice } from './notices.js';
import { ACTIVE, type Transfer, type TransferPhase, updateRate } from './transfer.js';

/** What the receive path needs from the files feature. */
export interface ReceiveContext<Part> {
  readonly timers: Timers;
  readonly disposed: () => boolean;
  /** Keeps a whole piece (a copy) until the file is verified. */
  readonly keepPiece: (piece: Uint8Array<ArrayBuffer>) => Part;
  /** The incoming transfer `n` from `from`. */
  readonly find: (from: string, n: number) => Transfer<Part> | undefined;
  readonly sendTo: (peer: string, message: PeerMessage) => void;
  readonly end: (t: Transfer<Part>, phase: TransferPhase, message: FileNotice | undefined) => void;
  /** Something from `from` fit no transfer (said once per `key`). */
  readonly notice: (key: string, from: string) => void;
  readonly emit: (force: boolean) => void;
  /** The file arrived whole and verified. */
  readonly received: (t: Transfer<Part>, parts: Part[]) => void;
}

/**
 * A frame on the file channel from `from`: a chunk (kept in order, acknowledged every ACK_EVERY_BYTES) or,
 * as text, the sender's end with its digest. Whatever fits no transfer is refused or noticed.
 */
export function onFileFrame<Part>(from: string, data: unknown, ctx: ReceiveContext<Part>): void {
  if (ctx.disposed()) return;
  if (typeof data === 'string') return onEnd(from, data, ctx);
  const chunk = decodeChunk(data);
  if (!chunk) return;
  const t = ctx.find(from, chunk.n);
  if (!t || !ACTIVE.has(t.phase)) {
    // Unknown, declined or stopped: nothing is kept; said once per transfer.
    return ctx.notice(`${from}:${chunk.n}`, from);
  }
  const length = chunk.bytes.length;
  if (chunk.offset + length <= t.bytes) {
    // Sent again after a resume (the channel had kept it): already here.
    t.duplicates += 1;
    t.message = { code: 'duplicates', count: t.duplicates };
    return;
  }
  if (chunk.offset !== t.bytes) return refuse(t, { code: 'gap' }, ctx);
  if (t.bytes + length > t.size) return refuse(t, { code: 'overrun', size: t.size }, ctx);
  keep(t, chunk.bytes, ctx);
  updateRate(t, ctx.timers.now());
  if (t.bytes - t.lastAck >= ACK_EVERY_BYTES) {
    t.lastAck = t.bytes;
    ctx.sendTo(from, { t: 'file-ack', id: t.id, offset: t.bytes, done: false });
  }
  ctx.emit(false);
}

/** Copies a chunk into the piece being filled; a whole piece is kept (a copy), then handed to the hash. */
function keep<Part>(t: Transfer<Part>, bytes: Uint8Array, ctx: ReceiveContext<Part>): void {
  for (let i = 0; i < bytes.length;) {
    const start = t.bytes - (t.bytes % PIECE_BYTES);
    t.piece ??= new Uint8Array(Math.min(PIECE_BYTES, t.size - start));
    const fill = t.bytes - start;
    const take = Math.min(bytes.length - i, t.piece.length - fill);
    t.piece.set(bytes.subarray(i, i + take), fill);
    t.bytes += take;
    i += take;
    if (fill + take === t.piece.length) {
      t.parts.push(ctx.keepPiece(t.piece));
      t.hash?.update(t.piece);
      t.piece = undefined;
    }
  }
}

function onEnd<Part>(from: string, text: string, ctx: ReceiveContext<Part>): void {
  let raw: unknown;
  try {
    raw = text.length <= 512 ? JSON.parse(text) : undefined;
  } catch {
    return;
  }
  const end = raw as { t?: unknown; n?: unknown; sha256?: unknown } | undefined;
  if (end?.t !== 'file-end' || typeof end.n !== 'number' || typeof end.sha256 !== 'string') return;
  const t = ctx.find(from, end.n);
  if (!t || !ACTIVE.has(t.phase)) return ctx.notice(`${from}:${end.n}`, from);
  if (t.bytes !== t.size) return refuse(t, { code: 'short', got: t.bytes, size: t.size }, ctx);
  if (t.digest !== undefined) return; // a repeated end: the first one is being checked
  t.digest = end.sha256.toLowerCase();
  void verify(t, t.digest, ctx);
}

/** Compares the sender's digest with ours once every byte is hashed; then the file is handed over. */
async function verify<Part>(t: Transfer<Part>, expected: string, ctx: ReceiveContext<Part>): Promise<void> {
  const epoch = t.epoch;
  let actual: string | undefined;
  try {
    actual = await t.hash?.digest();
  } catch {
    actual = undefined;
  }
  if (t.epoch !== epoch || !ACTIVE.has(t.phase) || ctx.disposed()) return;
  if (actual === undefined) {
    ctx.sendTo(t.peer, { t: 'file-cancel', id: t.id, reason: 'refused' });
    return ctx.end(t, 'failed', { code: 'check-failed' });
  }
  if (actual !== expected) {
    ctx.sendTo(t.peer, { t: 'file-cancel', id: t.id, reason: 'damaged' });
    return ctx.end(t, 'failed', { code: 'damaged' });
  }
  ctx.sendTo(t.peer, { t: 'file-ack', id: t.id, offset: t.size, done: true });
  const parts = t.parts;
  t.parts = [];
  t.hash = undefined;
  t.phase = 'done';
  ctx.received(t, parts);
}

/** The peer sent what does not fit this transfer: it stops on both sides, with a reason. */
function refuse<Part>(t: Transfer<Part>, message: FileNotice, ctx: ReceiveContext<Part>): void {
  ctx.sendTo(t.peer, { t: 'file-cancel', id: t.id, reason: 'refused' });
  ctx.end(t, 'failed', message);
}
