import { createHash } from 'node:crypto';
import type { PeerMessage } from '../../../../src/call/channel/messages.js';
import { parsePeerMessage } from '../../../../src/call/channel/router.js';
import type { FileChannelLike, FileSource } from '../../../../src/call/files/channel.js';
import { Files, type FilesOptions, type FilesRoom } from '../../../../src/call/files/files.js';
import type { Sha256Stream } from '../../../../src/call/files/sha256.js';
import { Emitter } from '../../../../src/call/emitter.js';
import type { LinkState } from '../../../../src/call/link/link-machine.js';
import { FakeTimers } from '../fakes.js';

/** Fakes for the files feature's tests: channels with a slow consumer, a room, a file, node's SHA-256. */
/**
 * One direction of a file channel: frames wait in `buffered` until the consumer takes them (`drain`), so
 * the sender sees bufferedAmount grow like a slow network's.
 */
export class FakeFileChannel implements FileChannelLike {
  readyState = 'open';
  bufferedAmountLowThreshold = 0;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onbufferedamountlow: (() => void) | null = null;
  queue: (string | Uint8Array)[] = [];
  maxBuffered = 0;
  other!: FakeFileChannel;
  get bufferedAmount(): number {
    return this.queue.reduce((sum, f) => sum + (typeof f === 'string' ? f.length : f.byteLength), 0);
  }
  send(data: string | Uint8Array<ArrayBuffer>): void {
    if (this.readyState !== 'open') throw new Error('closed');
    this.queue.push(data);
    this.maxBuffered = Math.max(this.maxBuffered, this.bufferedAmount);
  }
  /** Frames that crossed the network but wait for the receiving page's JS (see `hold`). */
  inbox: (string | ArrayBuffer)[] = [];
  /** The receiving page is busy: drained frames leave the send buffer but reach its JS only on `deliver`. */
  hold = false;
  /** The far side consumes up to `frames` frames. */
  drain(frames = Infinity): number {
    let n = 0;
    while (n < frames && this.queue.length > 0) {
      const frame = this.queue.shift()!;
      const copy = typeof frame === 'string' ? frame : frame.slice().buffer;
      if (this.hold) this.inbox.push(copy);
      else this.other.onmessage?.({ data: copy });
      n += 1;
      if (this.bufferedAmount <= this.bufferedAmountLowThreshold && n > 0) this.onbufferedamountlow?.();
    }
    return n;
  }
  /** The busy page gets to its messages. */
  deliver(): number {
    const frames = this.inbox;
    this.inbox = [];
    for (const data of frames) this.other.onmessage?.({ data });
    return frames.length;
  }
  get inboxBytes(): number {
    return this.inbox.reduce((sum, f) => sum + (typeof f === 'string' ? f.length : f.byteLength), 0);
  }
}

export type RoomEvents = { message: [string, PeerMessage]; link: [string, LinkState] };

export class FakeRoom extends Emitter<RoomEvents> implements FilesRoom {
  connected = true;
  peerRoom!: FakeRoom;
  readonly sent: PeerMessage[] = [];
  constructor(
    readonly selfId: string,
    readonly peerId: string,
    readonly channel: FakeFileChannel,
  ) {
    super();
  }
  participants() {
    return [{ id: this.peerId, name: this.peerId === 'b' ? 'Bora' : 'Ayla', connected: this.connected }];
  }
  /**
   * The peer's page answers a ping as its channel router does (at once, with the same number); a test may
   * hold the answer back (a busy page) by answering later itself.
   */
  answerPing: (n: number) => void = (n) => this.peerRoom.sendTo(this.selfId, { t: 'pong', n });
  sendTo(_id: string, message: PeerMessage): boolean {
    if (!this.connected) return false;
    this.sent.push(message);
    // Through the real parser, as the control channel delivers it.
    const parsed = parsePeerMessage(JSON.stringify(message));
    if (parsed) this.peerRoom.emit('message', this.selfId, parsed);
    if (parsed?.t === 'ping') this.answerPing(parsed.n);
    return true;
  }
  fileChannel(): FileChannelLike {
    return this.channel;
  }
  link(phase: LinkState['phase']) {
    this.connected = phase === 'connected';
    this.emit('link', this.peerId, (phase === 'reconnecting' ? { phase, since: 0 } : { phase }) as LinkState);
  }
  inject(message: unknown) {
    const parsed = parsePeerMessage(JSON.stringify(message));
    if (parsed) this.emit('message', this.peerId, parsed);
  }
}

export function blobOf(buffer: Uint8Array): FileSource & { reads: number } {
  // A plain Uint8Array: a Buffer's slice would share (and expose) its pool.
  const bytes = new Uint8Array(buffer);
  const source = {
    name: 'report <img src=x onerror=alert(1)>.bin',
    size: bytes.length,
    type: 'application/octet-stream',
    reads: 0,
    slice(start: number, end: number) {
      source.reads += 1;
      return { arrayBuffer: async () => bytes.slice(start, end).buffer };
    },
  };
  return source;
}

/**
 * Node's SHA-256 behind the stream port, like the page's worker: it takes each buffer over (detaches it, as
 * a transfer to a Worker does, so a core that read a piece after handing it over would send zeros), and
 * answers digest() on a later turn. `hashed` counts the bytes each stream was given.
 */
export class NodeSha256 implements Sha256Stream {
  static fail = false;
  static readonly streams: NodeSha256[] = [];
  readonly #hash = createHash('sha256');
  hashed = 0;
  closed = false;
  constructor() {
    NodeSha256.streams.push(this);
  }
  update(bytes: Uint8Array<ArrayBuffer>): void {
    if (this.closed) throw new Error('update after close');
    this.#hash.update(bytes);
    this.hashed += bytes.byteLength;
    if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength)
      structuredClone(bytes.buffer, { transfer: [bytes.buffer] });
  }
  digest(): Promise<string> {
    const hex = this.#hash.digest('hex');
    return new Promise((resolve, reject) =>
      setTimeout(() => (NodeSha256.fail ? reject(new Error('no worker')) : resolve(hex)), 1),
    );
  }
  close(): void {
    this.closed = true;
  }
}
export const sha256 = () => new NodeSha256();

/** Two sides joined by fake channels; `receiver` goes to b's options (a receive limit, a way to keep pieces). */
export function pair<Part = Uint8Array>(receiver: Pick<FilesOptions<Part>, 'maxReceiveBytes' | 'keep'> = {}) {
  const aToB = new FakeFileChannel();
  const bToA = new FakeFileChannel();
  aToB.other = bToA;
  bToA.other = aToB;
  const roomA = new FakeRoom('a', 'b', aToB);
  const roomB = new FakeRoom('b', 'a', bToA);
  roomA.peerRoom = roomB;
  roomB.peerRoom = roomA;
  const timers = new FakeTimers();
  let n = 0;
  const newId = () => `t${++n}`;
  const a = new Files({ room: roomA, timers, newId, sha256 });
  const b = new Files<Part>({ room: roomB, timers, newId, sha256, ...receiver });
  const received: Part[][] = [];
  b.on('received', (_key, parts) => received.push(parts));
  return { a, b, aToB, bToA, roomA, roomB, timers, received };
}

export const turn = () => new Promise((resolve) => setTimeout(resolve, 0));
/** Lets the sender's reads settle and the slow consumer take `frames` at a time until nothing moves. */
export async function run(channel: FakeFileChannel, frames = 3, rounds = 10_000) {
  for (let i = 0; i < rounds; i++) {
    await turn();
    if (channel.drain(frames) === 0) {
      await turn();
      if (channel.queue.length === 0) return;
    }
  }
}

export const sha = (parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};
