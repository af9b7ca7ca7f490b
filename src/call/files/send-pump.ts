import type { PeerMessage } from '../channel/messages.js';
import type { Timers } from '../ports.js';
import { encodeChunk } from './channel.js';
import { chatting, type FileLink, flowLimits, wake } from './file-link.js';
import { CHUNK_BYTES, HEADER_BYTES, PIECE_BYTES } from './limits.js';
import type { FileNotice } from './notices.js';
import { ACTIVE, type Transfer, type TransferPhase } from './transfer.js';

/** What the send pump needs from the files feature. */
export interface PumpContext<Part> {
  readonly timers: Timers;
  readonly disposed: () => boolean;
  /** The link's file channel (undefined: none, nothing is sent). */
  readonly link: (peer: string) => FileLink | undefined;
  /** File bytes out to `peer` that its page has not confirmed reading (all our transfers to it). */
  readonly unread: (peer: string) => number;
  readonly sendTo: (peer: string, message: PeerMessage) => void;
  readonly end: (t: Transfer<Part>, phase: TransferPhase, message: FileNotice | undefined) => void;
}

/**
 * File bytes we sent to `peer` that its page has not confirmed reading (all our transfers to it). The
 * browser hands a channel's messages to the page's JS without limit and in arrival order, chat's too:
 * whatever is sent beyond what a busy page has read waits in front of the next chat message.
 */
export function unreadBy(transfers: Iterable<Transfer<unknown>>, peer: string): number {
  let unread = 0;
  for (const t of transfers)
    if (t.peer === peer && t.direction === 'out' && ACTIVE.has(t.phase))
      unread += Math.max(0, t.sent - t.bytes);
  return unread;
}

/**
 * Sends `t` from `t.sent`: reads the file one 1 MiB piece at a time (the next read runs while this one is
 * sent), queues 64 KiB chunks while the channel has room, and hands each piece to the file's hash once
 * it is queued (once per file, whichever transfer gets there first). Stops when `t.epoch` moves on.
 */
export async function pump<Part>(t: Transfer<Part>, epoch: number, ctx: PumpContext<Part>): Promise<void> {
  const link = ctx.link(t.peer);
  const out = t.out;
  if (!link || !out) return;
  const file = out.file;
  const live = () => t.epoch === epoch && ACTIVE.has(t.phase) && !ctx.disposed();
  const channel = link.channel;
  const read = (index: number) => {
    const start = index * PIECE_BYTES;
    const reading = file
      .slice(start, Math.min(start + PIECE_BYTES, t.size))
      .arrayBuffer()
      .then((buffer) => new Uint8Array(buffer));
    reading.catch(() => undefined); // a read left behind by a stop must not count as unhandled
    return reading;
  };
  try {
    let index = Math.floor(t.sent / PIECE_BYTES);
    let next = t.sent < t.size ? read(index) : undefined;
    while (next && live()) {
      const piece = await next;
      const start = index * PIECE_BYTES;
      const end = start + piece.length;
      next = end < t.size ? read(index + 1) : undefined;
      if (!live()) return;
      if (piece.length !== Math.min(PIECE_BYTES, t.size - start)) throw new Error('short read');
      while (t.sent < end) {
        const limits = flowLimits(link, ctx.timers.now());
        if (
          channel.readyState !== 'open' ||
          channel.bufferedAmount > limits.highWater ||
          ctx.unread(t.peer) >= limits.window
        ) {
          channel.bufferedAmountLowThreshold = limits.lowWater;
          await new Promise<void>((resolve) => {
            link.waiters.push(resolve);
            // It may have drained between the check and now.
            if (
              channel.readyState === 'open' &&
              channel.bufferedAmount <= limits.lowWater &&
              ctx.unread(t.peer) < limits.window
            )
              wake(link);
          });
          if (channel.readyState !== 'open') return; // the resume after the link is back restarts us
          if (!live()) return;
          continue;
        }
        const at = t.sent;
        const to = Math.min(at + CHUNK_BYTES, end);
        const frame = HEADER_BYTES + to - at;
        const now = ctx.timers.now();
        if (chatting(link, now)) {
          link.pacing.start();
          const pause = link.pacing.pacer.wait(now, frame);
          if (pause > 0) {
            await new Promise<void>((resolve) => {
              link.waiters.push(resolve);
              link.pacing.pause(pause);
            });
            if (!live()) return;
            continue;
          }
        }
        channel.send(encodeChunk(t.n, at, piece.subarray(at - start, to - start)));
        link.pacing.pacer.took(now, frame);
        t.sent = to;
      }
      // Queued whole (the channel copied it): the hash takes the piece over.
      if (out.fed === start) {
        out.hash.update(piece);
        out.fed = end;
      }
      index += 1;
    }
    if (!live()) return;
  } catch {
    if (!live()) return;
    // A channel closing under us is a link going down: the resume restarts the pump.
    if (channel.readyState !== 'open') return;
    ctx.sendTo(t.peer, { t: 'file-cancel', id: t.id, reason: 'cancelled' });
    ctx.end(t, 'failed', { code: 'read-failed' });
    return;
  }
  let sha256: string;
  try {
    // Usually ready at once: the hash runs beside the sending, in its own thread.
    sha256 = await (out.digest ??= out.hash.digest());
  } catch {
    if (!live()) return;
    ctx.sendTo(t.peer, { t: 'file-cancel', id: t.id, reason: 'cancelled' });
    ctx.end(t, 'failed', { code: 'check-failed' });
    return;
  }
  if (!live() || channel.readyState !== 'open') return;
  channel.send(JSON.stringify({ t: 'file-end', n: t.n, sha256 }));
}
