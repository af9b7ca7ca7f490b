import type { PeerMessage } from '../channel/messages.js';
import type { ChatRoom } from '../chat/chat.js';
import { Emitter } from '../emitter.js';
import type { LinkState } from '../link/link-machine.js';
import type { Timers } from '../ports.js';
import type { FileChannelLike, FileSource } from './channel.js';
import { chatting, type FileLink, wake } from './file-link.js';
import { LOW_WATER_BYTES, MAX_RECEIVE_BYTES, PROGRESS_EVERY_MS } from './limits.js';
import { type FileNotice, NoticeLog } from './notices.js';
import { ChatPacing } from './pacing.js';
import { onFileFrame, type ReceiveContext } from './receive.js';
import { pump, type PumpContext, unreadBy } from './send-pump.js';
import type { NewSha256 } from './sha256.js';
import {
  ACTIVE,
  FINAL,
  newTransfer,
  type Outgoing,
  type Transfer,
  type TransferInit,
  type TransferPhase,
  type TransferView,
  transferView,
  updateRate,
} from './transfer.js';

export type { TransferPhase, TransferView } from './transfer.js';

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

export type FilesEvents<Part = Uint8Array> = {
  change: [];
  /** A file arrived whole and verified: its pieces in order, as `keep` made them (the feature keeps none). */
  received: [key: string, parts: Part[], view: TransferView];
};

/**
 * Files in the call, peer to peer: an offer over the control channel, Accept or Decline, then 64 KiB chunks on
 * each link's own file channel with backpressure (≤ 1 MiB buffered and ≤ 4 MiB beyond what the receiving page
 * confirmed reading; 256 KiB and 512 KiB, paced by round trips on the chat's path, while people chat on the
 * link), a SHA-256 of the whole file on both sides (sha256.ts: fed in order as the bytes go by) before the file
 * is offered for saving, and a resume from the receiver's last confirmed offset when a link comes back. In a
 * group a file goes to everyone (one transfer per participant). Anything a peer sends that does not fit is
 * refused with a notice, keeps memory bounded, and leaves the call alone.
 *
 * This class holds the transfers' states (offer, accept, decline, cancel, resume, end) and the links; the
 * sending is send-pump.ts, the receiving and the check receive.ts.
 */
export class Files<Part = Uint8Array> extends Emitter<FilesEvents<Part>> {
  readonly maxReceiveBytes: number;
  readonly #o: FilesOptions<Part>;
  readonly #transfers = new Map<string, Transfer<Part>>();
  /** Incoming chunks find their transfer by sender and number. */
  readonly #byNumber = new Map<string, Transfer<Part>>();
  readonly #links = new Map<string, FileLink>();
  readonly #notices = new NoticeLog();
  readonly #offs: (() => void)[];
  readonly #pumping: PumpContext<Part>;
  readonly #receiving: ReceiveContext<Part>;
  #counter = 0;
  #lastEmit = -Infinity;
  #disposed = false;

  constructor(options: FilesOptions<Part>) {
    super();
    this.#o = options;
    this.maxReceiveBytes = options.maxReceiveBytes ?? MAX_RECEIVE_BYTES;
    const common = {
      timers: options.timers,
      disposed: () => this.#disposed,
      sendTo: (peer: string, message: PeerMessage) => void options.room.sendTo(peer, message),
      end: (t: Transfer<Part>, phase: TransferPhase, message: FileNotice | undefined) =>
        this.#end(t, phase, message),
    };
    this.#pumping = {
      ...common,
      link: (peer) => this.#link(peer),
      unread: (peer) => unreadBy(this.#transfers.values(), peer),
    };
    this.#receiving = {
      ...common,
      keepPiece: options.keep ?? ((piece) => piece.slice() as Part),
      find: (from, n) => this.#byNumber.get(`${from}:${n}`),
      notice: (key, from) => this.#notice(key, { code: 'unknown', who: this.#nameOf(from) }),
      emit: (force) => this.#emit(force),
      received: (t, parts) => {
        this.emit('received', t.key, parts, this.#view(t));
        this.#emit(true);
      },
    };
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
    return this.#notices.list;
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

  #create(init: TransferInit<Part>): Transfer<Part> {
    const t = newTransfer(init, this.#o.timers.now());
    this.#transfers.set(t.key, t);
    if (t.direction === 'in') this.#byNumber.set(`${t.peer}:${t.n}`, t);
    return t;
  }

  /** The link's file channel, listened to once. */
  #link(peer: string): FileLink | undefined {
    let link = this.#links.get(peer);
    if (link) return link;
    const channel = this.#o.room.fileChannel(peer);
    if (!channel) return undefined;
    const l: FileLink = {
      channel,
      waiters: [],
      chatAt: -Infinity,
      pacing: new ChatPacing({
        timers: this.#o.timers,
        wanted: () => !this.#disposed && chatting(l, this.#o.timers.now()) && this.#sending(peer),
        ping: (n) => this.#o.room.sendTo(peer, { t: 'ping', n }),
        wake: () => wake(l),
      }),
    };
    link = l;
    channel.bufferedAmountLowThreshold = LOW_WATER_BYTES;
    channel.onbufferedamountlow = () => wake(l);
    channel.onmessage = (event) => onFileFrame(peer, event.data, this.#receiving);
    this.#links.set(peer, link);
    return link;
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
        void pump(t, t.epoch, this.#pumping);
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
        if (link) wake(link);
        updateRate(t, this.#o.timers.now());
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

  #sending(peer: string): boolean {
    for (const t of this.#transfers.values())
      if (t.peer === peer && t.direction === 'out' && t.phase === 'running') return true;
    return false;
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
    if (link) wake(link);
    this.#emit(true);
  }

  #notice(key: string, message: FileNotice): void {
    if (this.#notices.add(key, message)) this.#emit(true);
  }

  /** Progress is told at most every PROGRESS_EVERY_MS; phases at once. */
  #emit(force: boolean): void {
    const now = this.#o.timers.now();
    if (!force && now - this.#lastEmit < PROGRESS_EVERY_MS) return;
    this.#lastEmit = now;
    this.emit('change');
  }

  #view(t: Transfer<Part>): TransferView {
    return transferView(t, this.#nameOf(t.peer));
  }

  #nameOf(id: string): string | undefined {
    return this.#o.room.participants().find((p) => p.id === id)?.name;
  }
}
