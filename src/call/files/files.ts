import type { PeerMessage } from '../channel/messages.js';
import type { ChatRoom } from '../chat/chat.js';
import { Emitter } from '../emitter.js';
import type { LinkState } from '../link/link-machine.js';
import type { Timers } from '../ports.js';
import { decodeChunk, encodeChunk, type FileChannelLike, type FileSource } from './channel.js';
import {
  ACK_EVERY_BYTES,
  CHAT_ACTIVE_MS,
  CHAT_LIMITS,
  CHUNK_BYTES,
  type FlowLimits,
  HEADER_BYTES,
  LOW_WATER_BYTES,
  MAX_RECEIVE_BYTES,
  PIECE_BYTES,
  PROGRESS_EVERY_MS,
  QUIET_LIMITS,
} from './limits.js';
import type { FileNotice } from './notices.js';
import { ChatPacing } from './pacing.js';
import type { NewSha256, Sha256Stream } from './sha256.js';

/** The call as the files feature sees it: the chat's view plus each link's file channel. */
export interface FilesRoom extends ChatRoom {
  fileChannel(id: string): FileChannelLike | undefined;
}

export interface FilesOptions<Part = Uint8Array> {
  readonly room: FilesRoom;
  readonly timers: Timers;
  readonly newId: () => string;
  /**
   * A new incremental SHA-256 for one file (in the browser: a Worker's, so that hashing stays off the page's
   * main thread, where chat and the call's own work run).
   */
  readonly sha256: NewSha256;
  /** The largest file we take (default MAX_RECEIVE_BYTES). */
  readonly maxReceiveBytes?: number;
  /**
   * What a whole received piece (1 MiB) is kept as until the file is verified; it must copy the bytes it
   * keeps, since the piece then goes to the hash. In the browser a Blob: the bytes leave the page's heap as
   * they arrive, and the verified file is a Blob of Blobs, with no copy of the whole file at the end.
   * Default: a copy of the bytes.
   */
  readonly keep?: (piece: Uint8Array<ArrayBuffer>) => Part;
}

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

export type FilesEvents<Part = Uint8Array> = {
  change: [];
  /** A file arrived whole and verified: its pieces in order, as `keep` made them (the feature keeps none). */
  received: [key: string, parts: Part[], view: TransferView];
};

/** What an offer of one file shares among its transfers (one per participant): the file and its hash. */
interface Outgoing {
  readonly file: FileSource;
  /** Fed each piece once, in order, by whichever transfer has sent it first. */
  readonly hash: Sha256Stream;
  /** Bytes given to `hash` so far. */
  fed: number;
  digest: Promise<string> | undefined;
}

interface Transfer<Part> {
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

interface Link {
  readonly channel: FileChannelLike;
  waiters: (() => void)[];
  /** When the peer last sent a chat message or acknowledged one of ours. */
  chatAt: number;
  /** Our file bytes' rate while people chat on the link, by round trips on the chat's path. */
  readonly pacing: ChatPacing;
}

const ACTIVE: ReadonlySet<TransferPhase> = new Set(['running', 'paused']);
const FINAL: ReadonlySet<TransferPhase> = new Set(['done', 'declined', 'cancelled', 'failed']);
const MAX_NOTICES = 20;

/**
 * Files in the call, peer to peer: an offer over the control channel, Accept or Decline, then 64 KiB chunks on
 * each link's own file channel with backpressure (≤ 1 MiB buffered and ≤ 4 MiB beyond what the receiving page
 * confirmed reading; 256 KiB and 512 KiB, paced by round trips on the chat's path, while people chat on the
 * link), a SHA-256 of the whole file on both sides (sha256.ts: fed in order as the bytes go by) before the file
 * is offered for saving, and a resume from the receiver's last confirmed offset when a link comes back. In a
 * group a file goes to everyone (one transfer per participant). Anything a peer sends that does not fit is
 * refused with a notice, keeps memory bounded, and leaves the call alone.
 */
export class Files<Part = Uint8Array> extends Emitter<FilesEvents<Part>> {
  readonly maxReceiveBytes: number;
  readonly #o: FilesOptions<Part>;
  readonly #keepPiece: (piece: Uint8Array<ArrayBuffer>) => Part;
  readonly #transfers = new Map<string, Transfer<Part>>();
  /** Incoming chunks find their transfer by sender and number. */
  readonly #byNumber = new Map<string, Transfer<Part>>();
  readonly #links = new Map<string, Link>();
  readonly #notices: FileNotice[] = [];
  readonly #warned = new Set<string>();
  readonly #offs: (() => void)[];
  #counter = 0;
  #lastEmit = -Infinity;
  #disposed = false;

  constructor(options: FilesOptions<Part>) {
    super();
    this.#o = options;
    this.#keepPiece = options.keep ?? ((piece) => piece.slice() as Part);
    this.maxReceiveBytes = options.maxReceiveBytes ?? MAX_RECEIVE_BYTES;
    this.#offs = [
      options.room.on('message', (from, message) => this.#onMessage(from, message)),
      options.room.on('link', (id, state) => this.#onLink(id, state)),
    ];
    // Listen from the start: data for a transfer nobody offered is refused too, not left unread.
    for (const { id } of options.room.participants()) this.#link(id);
  }

  get transfers(): TransferView[] {
    return [...this.#transfers.values()].map((t) => this.#view(t));
  }

  /** What was refused from others (unknown transfers…), newest last; at most 20. */
  get notices(): readonly FileNotice[] {
    return this.#notices;
  }

  /** Offers `file` to everyone connected; returns the transfers' keys (none: nobody to send to). */
  send(file: FileSource): string[] {
    if (this.#disposed) return [];
    const keys: string[] = [];
    let out: Outgoing | undefined;
    for (const { id: peer, connected } of this.#o.room.participants()) {
      if (!connected || !this.#link(peer)) continue;
      const id = this.#o.newId();
      const n = (this.#counter = (this.#counter + 1) >>> 0);
      const t = this.#create({
        id,
        n,
        direction: 'out',
        peer,
        name: file.name,
        size: file.size,
        mime: file.type,
        out: (out ??= { file, hash: this.#o.sha256(), fed: 0, digest: undefined }),
      });
      t.phase = 'waiting';
      this.#o.room.sendTo(peer, {
        t: 'file-offer',
        id,
        n,
        name: file.name,
        size: file.size,
        mime: file.type,
      });
      keys.push(t.key);
    }
    this.#emit(true);
    return keys;
  }

  accept(key: string): void {
    const t = this.#transfers.get(key);
    if (!t || t.direction !== 'in' || t.phase !== 'offered') return;
    t.phase = 'running';
    t.rateAt = this.#o.timers.now();
    t.hash = this.#o.sha256();
    this.#o.room.sendTo(t.peer, { t: 'file-accept', id: t.id, offset: 0 });
    this.#emit(true);
  }

  decline(key: string): void {
    const t = this.#transfers.get(key);
    if (!t || t.direction !== 'in' || t.phase !== 'offered') return;
    t.phase = 'declined';
    this.#o.room.sendTo(t.peer, { t: 'file-decline', id: t.id });
    this.#emit(true);
  }

  /** Stops a transfer from our side; the other side is told and stops too. */
  cancel(key: string): void {
    const t = this.#transfers.get(key);
    if (!t || FINAL.has(t.phase)) return;
    this.#o.room.sendTo(t.peer, { t: 'file-cancel', id: t.id, reason: 'cancelled' });
    this.#end(t, 'cancelled', { code: 'cancelled-by-you' });
  }

  /** Forgets a finished transfer (the list shows it no more). */
  dismiss(key: string): void {
    const t = this.#transfers.get(key);
    if (t && FINAL.has(t.phase)) this.#transfers.delete(key);
    this.#emit(true);
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const off of this.#offs) off();
    for (const t of this.#transfers.values()) if (!FINAL.has(t.phase)) this.#end(t, 'cancelled', undefined);
    for (const link of this.#links.values()) {
      link.channel.onmessage = null;
      link.channel.onbufferedamountlow = null;
      link.pacing.stop();
    }
  }

  #create(
    init: Pick<Transfer<Part>, 'id' | 'n' | 'direction' | 'peer' | 'name' | 'size' | 'mime' | 'out'>,
  ): Transfer<Part> {
    const t: Transfer<Part> = {
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
      rateAt: this.#o.timers.now(),
      rateBytes: 0,
      bytesPerSecond: undefined,
      lastAck: 0,
    };
    this.#transfers.set(t.key, t);
    if (t.direction === 'in') this.#byNumber.set(`${t.peer}:${t.n}`, t);
    return t;
  }

  /** The link's file channel, listened to once. */
  #link(peer: string): Link | undefined {
    let link = this.#links.get(peer);
    if (link) return link;
    const channel = this.#o.room.fileChannel(peer);
    if (!channel) return undefined;
    const l: Link = {
      channel,
      waiters: [],
      chatAt: -Infinity,
      pacing: new ChatPacing({
        timers: this.#o.timers,
        wanted: () => !this.#disposed && this.#chatting(l) && this.#sending(peer),
        ping: (n) => this.#o.room.sendTo(peer, { t: 'ping', n }),
        wake: () => this.#wake(l),
      }),
    };
    link = l;
    channel.bufferedAmountLowThreshold = LOW_WATER_BYTES;
    channel.onbufferedamountlow = () => this.#wake(l);
    channel.onmessage = (event) => this.#onChunk(peer, event.data);
    this.#links.set(peer, link);
    return link;
  }

  #wake(link: Link): void {
    const waiters = link.waiters;
    link.waiters = [];
    for (const wake of waiters) wake();
  }

  #onMessage(from: string, message: PeerMessage): void {
    if (this.#disposed) return;
    switch (message.t) {
      case 'file-offer': {
        if (this.#transfers.has(`in:${from}:${message.id}`) || this.#byNumber.has(`${from}:${message.n}`))
          return;
        const t = this.#create({ ...message, direction: 'in', peer: from, out: undefined });
        if (message.size > this.maxReceiveBytes) {
          this.#o.room.sendTo(from, { t: 'file-cancel', id: t.id, reason: 'refused' });
          this.#end(t, 'failed', { code: 'too-big', name: t.name, limit: this.maxReceiveBytes });
        } else if (!this.#link(from)) {
          this.#o.room.sendTo(from, { t: 'file-cancel', id: t.id, reason: 'refused' });
          this.#end(t, 'failed', { code: 'no-channel', who: this.#nameOf(from) });
        } else this.#emit(true);
        return;
      }
      case 'file-accept': {
        const t = this.#transfers.get(`out:${from}:${message.id}`);
        if (!t || !(t.phase === 'waiting' || ACTIVE.has(t.phase))) return;
        if (message.offset < 0 || message.offset > t.size || message.offset > t.sent) return;
        // A first accept starts at 0; a resume starts where the receiver's bytes end.
        t.phase = 'running';
        t.sent = message.offset;
        t.bytes = Math.max(t.bytes, message.offset);
        t.epoch += 1;
        void this.#pump(t, t.epoch);
        this.#emit(true);
        return;
      }
      case 'file-decline': {
        const t = this.#transfers.get(`out:${from}:${message.id}`);
        if (t?.phase === 'waiting') this.#end(t, 'declined', { code: 'declined', who: this.#nameOf(from) });
        return;
      }
      case 'file-cancel': {
        const t =
          this.#transfers.get(`in:${from}:${message.id}`) ?? this.#transfers.get(`out:${from}:${message.id}`);
        if (!t || FINAL.has(t.phase)) return;
        const who = this.#nameOf(from);
        if (message.reason === 'damaged') this.#end(t, 'failed', { code: 'damaged-there', who });
        else if (message.reason === 'refused') this.#end(t, 'failed', { code: 'refused-there', who });
        else this.#end(t, 'cancelled', { code: 'cancelled-by', who });
        return;
      }
      case 'chat':
      case 'chat-ack': {
        // People are chatting on this link: file bytes keep out of their way (CHAT_LIMITS, the pacer).
        const link = this.#links.get(from);
        if (!link) return;
        link.chatAt = this.#o.timers.now();
        link.pacing.start();
        return;
      }
      case 'pong': {
        // Our ping's (negative numbers; the link's own are positive): a round trip on the chat's path.
        this.#links.get(from)?.pacing.pong(message.n);
        return;
      }
      case 'file-ack': {
        const t = this.#transfers.get(`out:${from}:${message.id}`);
        if (!t || !ACTIVE.has(t.phase) || message.offset > t.size) return;
        t.bytes = Math.max(t.bytes, message.offset);
        // The receiver has read this far: the window opens again.
        const link = this.#links.get(from);
        if (link) this.#wake(link);
        this.#rate(t);
        if (message.done && message.offset === t.size) this.#end(t, 'done', undefined);
        else this.#emit(false);
        return;
      }
      default:
        return;
    }
  }

  #onLink(peer: string, state: LinkState): void {
    if (this.#disposed) return;
    const mine = [...this.#transfers.values()].filter((t) => t.peer === peer && !FINAL.has(t.phase));
    if (state.phase === 'closed' || state.phase === 'failed') {
      const message: FileNotice = { code: 'left', who: this.#nameOf(peer) };
      for (const t of mine) this.#end(t, 'cancelled', message);
      this.#links.get(peer)?.pacing.stop();
      this.#links.delete(peer);
      return;
    }
    if (state.phase === 'connected') this.#link(peer);
    for (const t of mine) {
      if (!ACTIVE.has(t.phase)) continue;
      if (state.phase !== 'connected') t.phase = 'paused';
      else {
        t.phase = 'running';
        // The receiver asks for the rest from what it has: the sender rewinds to there.
        if (t.direction === 'in') this.#o.room.sendTo(peer, { t: 'file-accept', id: t.id, offset: t.bytes });
      }
    }
    this.#emit(true);
  }

  /**
   * Sends `t` from `t.sent`: reads the file one 1 MiB piece at a time (the next read runs while this one is
   * sent), queues 64 KiB chunks while the channel has room, and hands each piece to the file's hash once
   * it is queued (once per file, whichever transfer gets there first).
   */
  async #pump(t: Transfer<Part>, epoch: number): Promise<void> {
    const link = this.#link(t.peer);
    const out = t.out;
    if (!link || !out) return;
    const file = out.file;
    const live = () => t.epoch === epoch && ACTIVE.has(t.phase) && !this.#disposed;
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
          const limits = this.#limits(link);
          if (
            channel.readyState !== 'open' ||
            channel.bufferedAmount > limits.highWater ||
            this.#unread(t.peer) >= limits.window
          ) {
            channel.bufferedAmountLowThreshold = limits.lowWater;
            await new Promise<void>((resolve) => {
              link.waiters.push(resolve);
              // It may have drained between the check and now.
              if (
                channel.readyState === 'open' &&
                channel.bufferedAmount <= limits.lowWater &&
                this.#unread(t.peer) < limits.window
              )
                this.#wake(link);
            });
            if (channel.readyState !== 'open') return; // the resume after the link is back restarts us
            if (!live()) return;
            continue;
          }
          const at = t.sent;
          const to = Math.min(at + CHUNK_BYTES, end);
          const frame = HEADER_BYTES + to - at;
          const now = this.#o.timers.now();
          if (this.#chatting(link)) {
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
      this.#o.room.sendTo(t.peer, { t: 'file-cancel', id: t.id, reason: 'cancelled' });
      this.#end(t, 'failed', { code: 'read-failed' });
      return;
    }
    let sha256: string;
    try {
      // Usually ready at once: the hash runs beside the sending, in its own thread.
      sha256 = await (out.digest ??= out.hash.digest());
    } catch {
      if (!live()) return;
      this.#o.room.sendTo(t.peer, { t: 'file-cancel', id: t.id, reason: 'cancelled' });
      this.#end(t, 'failed', { code: 'check-failed' });
      return;
    }
    if (!live() || channel.readyState !== 'open') return;
    channel.send(JSON.stringify({ t: 'file-end', n: t.n, sha256 }));
  }

  /**
   * File bytes we sent to `peer` that its page has not confirmed reading (all our transfers to it). The
   * browser hands a channel's messages to the page's JS without limit and in arrival order, chat's too:
   * whatever is sent beyond what a busy page has read waits in front of the next chat message.
   */
  #unread(peer: string): number {
    let unread = 0;
    for (const t of this.#transfers.values())
      if (t.peer === peer && t.direction === 'out' && ACTIVE.has(t.phase))
        unread += Math.max(0, t.sent - t.bytes);
    return unread;
  }

  /**
   * What file bytes keep to on the link: less buffered and less unread while people chat on it (a message or
   * its receipt within CHAT_ACTIVE_MS), so that chat does not wait behind them.
   */
  #limits(link: Link): FlowLimits {
    return this.#chatting(link) ? CHAT_LIMITS : QUIET_LIMITS;
  }

  #chatting(link: Link): boolean {
    return this.#o.timers.now() - link.chatAt < CHAT_ACTIVE_MS;
  }

  #sending(peer: string): boolean {
    for (const t of this.#transfers.values())
      if (t.peer === peer && t.direction === 'out' && t.phase === 'running') return true;
    return false;
  }

  #onChunk(from: string, data: unknown): void {
    if (this.#disposed) return;
    if (typeof data === 'string') return this.#onEnd(from, data);
    const chunk = decodeChunk(data);
    if (!chunk) return;
    const t = this.#byNumber.get(`${from}:${chunk.n}`);
    if (!t || !ACTIVE.has(t.phase)) {
      // Unknown, declined or stopped: nothing is kept; said once per transfer.
      return this.#notice(`${from}:${chunk.n}`, { code: 'unknown', who: this.#nameOf(from) });
    }
    const length = chunk.bytes.length;
    if (chunk.offset + length <= t.bytes) {
      // Sent again after a resume (the channel had kept it): already here.
      t.duplicates += 1;
      t.message = { code: 'duplicates', count: t.duplicates };
      return;
    }
    if (chunk.offset !== t.bytes) return this.#refuse(t, { code: 'gap' });
    if (t.bytes + length > t.size) return this.#refuse(t, { code: 'overrun', size: t.size });
    this.#keep(t, chunk.bytes);
    this.#rate(t);
    if (t.bytes - t.lastAck >= ACK_EVERY_BYTES) {
      t.lastAck = t.bytes;
      this.#o.room.sendTo(from, { t: 'file-ack', id: t.id, offset: t.bytes, done: false });
    }
    this.#emit(false);
  }

  /** Copies a chunk into the piece being filled; a whole piece is kept (a copy), then handed to the hash. */
  #keep(t: Transfer<Part>, bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length;) {
      const start = t.bytes - (t.bytes % PIECE_BYTES);
      t.piece ??= new Uint8Array(Math.min(PIECE_BYTES, t.size - start));
      const fill = t.bytes - start;
      const take = Math.min(bytes.length - i, t.piece.length - fill);
      t.piece.set(bytes.subarray(i, i + take), fill);
      t.bytes += take;
      i += take;
      if (fill + take === t.piece.length) {
        t.parts.push(this.#keepPiece(t.piece));
        t.hash?.update(t.piece);
        t.piece = undefined;
      }
    }
  }

  #onEnd(from: string, text: string): void {
    let raw: unknown;
    try {
      raw = text.length <= 512 ? JSON.parse(text) : undefined;
    } catch {
      return;
    }
    const end = raw as { t?: unknown; n?: unknown; sha256?: unknown } | undefined;
    if (end?.t !== 'file-end' || typeof end.n !== 'number' || typeof end.sha256 !== 'string') return;
    const t = this.#byNumber.get(`${from}:${end.n}`);
    if (!t || !ACTIVE.has(t.phase))
      return this.#notice(`${from}:${end.n}`, { code: 'unknown', who: this.#nameOf(from) });
    if (t.bytes !== t.size) return this.#refuse(t, { code: 'short', got: t.bytes, size: t.size });
    if (t.digest !== undefined) return; // a repeated end: the first one is being checked
    t.digest = end.sha256.toLowerCase();
    void this.#verify(t, t.digest);
  }

  /** Compares the sender's digest with ours once every byte is hashed; then the file is handed over. */
  async #verify(t: Transfer<Part>, expected: string): Promise<void> {
    const epoch = t.epoch;
    let actual: string | undefined;
    try {
      actual = await t.hash?.digest();
    } catch {
      actual = undefined;
    }
    if (t.epoch !== epoch || !ACTIVE.has(t.phase) || this.#disposed) return;
    if (actual === undefined) {
      this.#o.room.sendTo(t.peer, { t: 'file-cancel', id: t.id, reason: 'refused' });
      return this.#end(t, 'failed', { code: 'check-failed' });
    }
    if (actual !== expected) {
      this.#o.room.sendTo(t.peer, { t: 'file-cancel', id: t.id, reason: 'damaged' });
      return this.#end(t, 'failed', { code: 'damaged' });
    }
    this.#o.room.sendTo(t.peer, { t: 'file-ack', id: t.id, offset: t.size, done: true });
    const parts = t.parts;
    t.parts = [];
    t.hash = undefined;
    t.phase = 'done';
    this.emit('received', t.key, parts, this.#view(t));
    this.#emit(true);
  }

  /** The peer sent what does not fit this transfer: it stops on both sides, with a reason. */
  #refuse(t: Transfer<Part>, message: FileNotice): void {
    this.#o.room.sendTo(t.peer, { t: 'file-cancel', id: t.id, reason: 'refused' });
    this.#end(t, 'failed', message);
  }

  #end(t: Transfer<Part>, phase: TransferPhase, message: FileNotice | undefined): void {
    t.phase = phase;
    t.message = message ?? t.message;
    t.parts = [];
    t.piece = undefined;
    t.epoch += 1;
    t.hash?.close();
    t.hash = undefined;
    // The file's hash goes when no transfer of it is left (a digest still owed is not needed any more).
    const out = t.out;
    if (out && ![...this.#transfers.values()].some((o) => o.out === out && !FINAL.has(o.phase)))
      out.hash.close();
    const link = this.#links.get(t.peer);
    if (link) this.#wake(link);
    this.#emit(true);
  }

  #notice(key: string, message: FileNotice): void {
    if (this.#warned.has(key)) return;
    if (this.#warned.size >= 256) this.#warned.clear();
    this.#warned.add(key);
    this.#notices.push(message);
    if (this.#notices.length > MAX_NOTICES) this.#notices.shift();
    this.#emit(true);
  }

  /** Speed over the last half second or more, smoothed. */
  #rate(t: Transfer<Part>): void {
    const now = this.#o.timers.now();
    const dt = now - t.rateAt;
    if (dt < 500) return;
    const bps = ((t.bytes - t.rateBytes) * 1000) / dt;
    t.bytesPerSecond = t.bytesPerSecond === undefined ? bps : 0.7 * bps + 0.3 * t.bytesPerSecond;
    t.rateAt = now;
    t.rateBytes = t.bytes;
  }

  /** Progress is told at most every PROGRESS_EVERY_MS; phases at once. */
  #emit(force: boolean): void {
    const now = this.#o.timers.now();
    if (!force && now - this.#lastEmit < PROGRESS_EVERY_MS) return;
    this.#lastEmit = now;
    this.emit('change');
  }

  #view(t: Transfer<Part>): TransferView {
    const bps = t.phase === 'running' ? t.bytesPerSecond : undefined;
    return {
      key: t.key,
      direction: t.direction,
      peer: t.peer,
      peerName: this.#nameOf(t.peer),
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

  #nameOf(id: string): string | undefined {
    return this.#o.room.participants().find((p) => p.id === id)?.name;
  }
}
