import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { PeerMessage } from '../../../../src/call/channel/messages.js';
import { parsePeerMessage } from '../../../../src/call/channel/router.js';
import { encodeChunk, type FileChannelLike, type FileSource } from '../../../../src/call/files/channel.js';
import { Files, type FilesOptions, type FilesRoom } from '../../../../src/call/files/files.js';
import type { Sha256Stream } from '../../../../src/call/files/sha256.js';
import {
  ACK_EVERY_BYTES,
  CHUNK_BYTES,
  HIGH_WATER_BYTES,
  HEADER_BYTES,
  LOW_WATER_BYTES,
  PIECE_BYTES,
  QUIET_HIGH_WATER_BYTES,
  QUIET_LOW_WATER_BYTES,
  WINDOW_BYTES,
  CHAT_ACTIVE_MS,
  CHAT_WINDOW_BYTES,
} from '../../../../src/call/files/limits.js';
import { Emitter } from '../../../../src/call/emitter.js';
import type { LinkState } from '../../../../src/call/link/link-machine.js';
import { FakeTimers } from '../fakes.js';

/**
 * One direction of a file channel: frames wait in `buffered` until the consumer takes them (`drain`), so
 * the sender sees bufferedAmount grow like a slow network's.
 */
class FakeFileChannel implements FileChannelLike {
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

type RoomEvents = { message: [string, PeerMessage]; link: [string, LinkState] };

class FakeRoom extends Emitter<RoomEvents> implements FilesRoom {
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

function blobOf(buffer: Uint8Array): FileSource & { reads: number } {
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
class NodeSha256 implements Sha256Stream {
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
const sha256 = () => new NodeSha256();

/** Two sides joined by fake channels; `receiver` goes to b's options (a receive limit, a way to keep pieces). */
function pair<Part = Uint8Array>(receiver: Pick<FilesOptions<Part>, 'maxReceiveBytes' | 'keep'> = {}) {
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

const turn = () => new Promise((resolve) => setTimeout(resolve, 0));
/** Lets the sender's reads settle and the slow consumer take `frames` at a time until nothing moves. */
async function run(channel: FakeFileChannel, frames = 3, rounds = 10_000) {
  for (let i = 0; i < rounds; i++) {
    await turn();
    if (channel.drain(frames) === 0) {
      await turn();
      if (channel.queue.length === 0) return;
    }
  }
}

const sha = (parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

describe('Files: a transfer through fake channels with a slow consumer', () => {
  it('offers, sends nothing before Accept, then delivers the exact bytes with ≤ 1 MiB in flight', async () => {
    const { a, b, aToB, received } = pair();
    NodeSha256.streams.length = 0;
    const data = randomBytes(5 * 1024 * 1024 + 123);
    const file = blobOf(data);
    const [key] = a.send(file);
    expect(a.transfers[0]).toMatchObject({ key, phase: 'waiting', direction: 'out' });
    const offer = b.transfers[0]!;
    expect(offer).toMatchObject({ phase: 'offered', name: file.name, size: data.length, peerName: 'Ayla' });
    await turn();
    expect(aToB.queue).toHaveLength(0);
    expect(file.reads).toBe(0);

    const ends: string[] = [];
    const send = aToB.send.bind(aToB);
    aToB.send = (f) => (typeof f === 'string' && ends.push(f), send(f));
    b.accept(offer.key);
    await run(aToB, 2);
    expect(received).toHaveLength(1);
    expect(sha(received[0]!)).toBe(createHash('sha256').update(data).digest('hex'));
    // The check value is the plain SHA-256 of the file (what `sha256sum FILE` prints), hashed once per side.
    expect(ends.map((f) => JSON.parse(f) as unknown)).toEqual([
      { t: 'file-end', n: 1, sha256: createHash('sha256').update(data).digest('hex') },
    ]);
    expect(NodeSha256.streams.map((h) => h.hashed)).toEqual([data.length, data.length]);
    expect(b.transfers[0]).toMatchObject({ phase: 'done', bytes: data.length });
    expect(a.transfers[0]).toMatchObject({ phase: 'done', bytes: data.length });
    // Backpressure: never more than the high-water mark plus one chunk queued (nobody chats: ≤ 1 MiB).
    expect(aToB.maxBuffered).toBeLessThanOrEqual(QUIET_HIGH_WATER_BYTES + CHUNK_BYTES + 12);
    // The sender read slices of the file, one per 1 MiB piece.
    expect(file.reads).toBe(Math.ceil(data.length / PIECE_BYTES));
  });

  /**
   * A busy receiving page: the network takes all that is queued (bufferedAmount falls to 0) but the page
   * reads nothing until `deliver`; returns the most that was ever unread there.
   */
  async function busyReceiver(aToB: FakeFileChannel, limit: () => number, until: () => boolean) {
    aToB.hold = true;
    let most = 0;
    for (let round = 0; round < 400 && !until(); round++) {
      await run(aToB, Infinity);
      const unread = aToB.inboxBytes;
      most = Math.max(most, unread);
      expect(unread).toBeLessThanOrEqual(limit() + CHUNK_BYTES + HEADER_BYTES);
      expect(aToB.bufferedAmount).toBe(0);
      // The page reads what piled up and confirms it: the sender goes on.
      if (aToB.deliver() === 0) await turn();
    }
    return most;
  }

  it('never has more than the window unread by a busy receiving page, and goes on as it reads', async () => {
    const { a, b, aToB, received } = pair();
    const data = randomBytes(2 * WINDOW_BYTES + 5);
    a.send(blobOf(data));
    b.accept(b.transfers[0]!.key);
    const most = await busyReceiver(
      aToB,
      () => WINDOW_BYTES,
      () => received.length > 0,
    );
    expect(most).toBeGreaterThanOrEqual(WINDOW_BYTES - CHUNK_BYTES);
    expect(received).toHaveLength(1);
    expect(sha(received[0]!)).toBe(createHash('sha256').update(data).digest('hex'));
    expect(a.transfers[0]).toMatchObject({ phase: 'done', bytes: data.length });
  });

  it('keeps to the chat window while people chat on the link, and opens again CHAT_ACTIVE_MS later', async () => {
    const { a, b, aToB, roomB, timers, received } = pair();
    const data = randomBytes(2 * WINDOW_BYTES);
    a.send(blobOf(data));
    b.accept(b.transfers[0]!.key);
    // Bora writes: from now on Ayla's file bytes stay ≤ CHAT_WINDOW_BYTES ahead of Bora's page.
    roomB.sendTo('a', { t: 'chat', id: 'c1', at: 0, text: 'hi' });
    let most = await busyReceiver(
      aToB,
      () => CHAT_WINDOW_BYTES,
      () => b.transfers[0]!.bytes > WINDOW_BYTES,
    );
    expect(most).toBeGreaterThanOrEqual(CHAT_WINDOW_BYTES - CHUNK_BYTES);
    expect(most).toBeLessThan(WINDOW_BYTES);
    // Half-way, Bora's page acknowledges a message of Ayla's: that counts as chatting too…
    timers.advance(CHAT_ACTIVE_MS / 2);
    roomB.sendTo('a', { t: 'chat-ack', id: 'c2' });
    // …so when Bora's message is CHAT_ACTIVE_MS old, the window is still the chat's.
    timers.advance(CHAT_ACTIVE_MS / 2);
    most = await busyReceiver(
      aToB,
      () => CHAT_WINDOW_BYTES,
      () => b.transfers[0]!.bytes > 1.25 * WINDOW_BYTES,
    );
    // Quiet for CHAT_ACTIVE_MS: the whole window again.
    timers.advance(CHAT_ACTIVE_MS / 2);
    most = await busyReceiver(
      aToB,
      () => WINDOW_BYTES,
      () => received.length > 0,
    );
    expect(most).toBeGreaterThan(CHAT_WINDOW_BYTES + CHUNK_BYTES + HEADER_BYTES);
    expect(sha(received[0]!)).toBe(createHash('sha256').update(data).digest('hex'));
  });

  it('keeps ≤ 256 KiB buffered while people chat on the link, up to 1 MiB once nobody does', async () => {
    const { a, b, aToB, roomB, timers, received } = pair();
    const data = randomBytes(4 * PIECE_BYTES + 7);
    a.send(blobOf(data));
    b.accept(b.transfers[0]!.key);
    roomB.sendTo('a', { t: 'chat', id: 'c1', at: 0, text: 'hi' });
    // A slow network: one frame a turn.
    for (let i = 0; i < 20_000 && b.transfers[0]!.bytes < 1.5 * PIECE_BYTES; i++) {
      await turn();
      aToB.drain(1);
    }
    expect(b.transfers[0]!.bytes).toBeGreaterThanOrEqual(1.5 * PIECE_BYTES);
    expect(aToB.maxBuffered).toBeGreaterThan(HIGH_WATER_BYTES);
    expect(aToB.maxBuffered).toBeLessThanOrEqual(HIGH_WATER_BYTES + CHUNK_BYTES + HEADER_BYTES);
    expect(aToB.bufferedAmountLowThreshold).toBe(LOW_WATER_BYTES);
    // Quiet for CHAT_ACTIVE_MS: the sender keeps the channel fuller, as the raw ceiling does.
    timers.advance(CHAT_ACTIVE_MS);
    aToB.maxBuffered = 0;
    await run(aToB, 1);
    expect(received).toHaveLength(1);
    expect(sha(received[0]!)).toBe(createHash('sha256').update(data).digest('hex'));
    expect(aToB.maxBuffered).toBeGreaterThan(HIGH_WATER_BYTES + CHUNK_BYTES + HEADER_BYTES);
    expect(aToB.maxBuffered).toBeLessThanOrEqual(QUIET_HIGH_WATER_BYTES + CHUNK_BYTES + HEADER_BYTES);
    expect(aToB.bufferedAmountLowThreshold).toBe(QUIET_LOW_WATER_BYTES);
  });

  it('while people chat, backs off as chat round trips grow; full speed again once nobody does', async () => {
    const { a, b, aToB, roomA, roomB, timers, received } = pair();
    const MiB = 1024 * 1024;
    const data = randomBytes(30 * MiB);
    // What the sender queued, [when, bytes]: on a 2-core machine a page's task waits while file bytes run
    // faster than 1 MiB/s (the CPU both pages need), so a ping's answer then takes 150 ms instead of 3.
    const sent: [number, number][] = [];
    const send = aToB.send.bind(aToB);
    aToB.send = (f) => (typeof f !== 'string' && sent.push([timers.now(), f.byteLength]), send(f));
    const bytesIn = (from: number, to: number) =>
      sent.filter(([at]) => at >= from && at < to).reduce((sum, [, n]) => sum + n, 0);
    const rtts: [number, number][] = [];
    roomA.answerPing = (n) => {
      const ms = bytesIn(timers.now() - 100, Infinity) > 0.1 * MiB ? 150 : 3;
      rtts.push([timers.now(), ms]);
      timers.setTimeout(() => roomB.sendTo('a', { t: 'pong', n }), ms);
    };
    a.send(blobOf(data));
    b.accept(b.transfers[0]!.key);
    // A network of 6.4 MiB/s: it takes three 64 KiB frames every 30 ms.
    let steps = 0;
    const step = async (chat: boolean) => {
      // Bora writes every 90 ms.
      if (chat && steps++ % 3 === 0) roomB.sendTo('a', { t: 'chat', id: `c${steps}`, at: 0, text: 'hi' });
      await turn();
      aToB.drain(3);
      await timers.advanceSettling(30);
    };
    const chatFor = 4000;
    while (timers.now() < chatFor) await step(true);
    // Paced below the knee of that machine (1 MiB/s, two 64 KiB frames at once pass it), with few slow
    // round trips once it has found it.
    const paced = bytesIn(2000, 4000) / 2 / MiB;
    expect(paced).toBeGreaterThanOrEqual(0.25);
    expect(paced).toBeLessThanOrEqual(1.2);
    const late = rtts.filter(([at, ms]) => at >= 2000 && ms > 100).length;
    expect(late / rtts.filter(([at]) => at >= 2000).length).toBeLessThan(0.25);
    // Nobody chats any more: after CHAT_ACTIVE_MS the file has the whole network again.
    while (timers.now() < chatFor + CHAT_ACTIVE_MS + 1000) await step(false);
    const full = bytesIn(chatFor + CHAT_ACTIVE_MS + 200, chatFor + CHAT_ACTIVE_MS + 1000) / 0.8 / MiB;
    expect(full).toBeGreaterThan(5.5);
    while (received.length === 0 && timers.now() < 60_000) await step(false);
    expect(sha(received[0]!)).toBe(createHash('sha256').update(data).digest('hex'));
  });

  it('keeps each whole piece as `keep` makes it (before the hash takes the piece over), in order', async () => {
    const kept: number[] = [];
    const { a, b, aToB, received } = pair<{ copy: Uint8Array }>({
      keep: (piece) => (kept.push(piece.length), { copy: new Uint8Array(piece) }),
    });
    const data = randomBytes(2 * PIECE_BYTES + 5);
    a.send(blobOf(data));
    b.accept(b.transfers[0]!.key);
    await run(aToB, 4);
    expect(kept).toEqual([PIECE_BYTES, PIECE_BYTES, 5]);
    expect(received).toHaveLength(1);
    expect(sha(received[0]!.map((p) => p.copy))).toBe(createHash('sha256').update(data).digest('hex'));
    expect(b.transfers[0]!.phase).toBe('done');
  });

  it('the receiver confirms every ACK_EVERY_BYTES, so that the window keeps moving', async () => {
    const { a, b, aToB, roomB } = pair();
    const size = 1024 * 1024;
    a.send(blobOf(randomBytes(size)));
    b.accept(b.transfers[0]!.key);
    await run(aToB, 1);
    const acks = roomB.sent.flatMap((m) => (m.t === 'file-ack' && !m.done ? [m.offset] : []));
    expect(acks).toEqual(Array.from({ length: size / ACK_EVERY_BYTES }, (_, i) => (i + 1) * ACK_EVERY_BYTES));
    expect(ACK_EVERY_BYTES * 2).toBeLessThanOrEqual(CHAT_WINDOW_BYTES);
    expect(a.transfers[0]!.phase).toBe('done');
  });

  it('progress is told a few times a second on both sides, not on every chunk or ack', async () => {
    const { a, b, aToB, timers } = pair();
    a.send(blobOf(randomBytes(4 * 1024 * 1024)));
    b.accept(b.transfers[0]!.key);
    // When each side said `change` while its transfer kept running (a page re-renders its list each time).
    const told = { a: [] as number[], b: [] as number[] };
    a.on('change', () => a.transfers[0]!.phase === 'running' && told.a.push(timers.now()));
    b.on('change', () => b.transfers[0]!.phase === 'running' && told.b.push(timers.now()));
    // One chunk every 10 ms: 64 chunks (32 acks) over 640 ms.
    for (let i = 0; i < 10_000 && b.transfers[0]!.phase === 'running'; i++) {
      await turn();
      aToB.drain(1);
      timers.advance(10);
    }
    expect(b.transfers[0]!.phase).toBe('done');
    for (const at of [told.a, told.b]) {
      expect(at.length).toBeGreaterThanOrEqual(2); // it still moves
      for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(250);
    }
  });

  it('Decline: nothing is sent, the sender is told', async () => {
    const { a, b, aToB } = pair();
    a.send(blobOf(randomBytes(1000)));
    b.decline(b.transfers[0]!.key);
    await run(aToB);
    expect(a.transfers[0]).toMatchObject({ phase: 'declined', message: { code: 'declined', who: 'Bora' } });
    expect(aToB.maxBuffered).toBe(0);
  });

  it('Cancel on the receiver stops the sender; Cancel on the sender stops the receiver', async () => {
    const { a, b, aToB } = pair();
    a.send(blobOf(randomBytes(3 * 1024 * 1024)));
    b.accept(b.transfers[0]!.key);
    await run(aToB, 2, 5);
    b.cancel(b.transfers[0]!.key);
    await run(aToB);
    expect(b.transfers[0]).toMatchObject({ phase: 'cancelled', message: { code: 'cancelled-by-you' } });
    expect(a.transfers[0]).toMatchObject({
      phase: 'cancelled',
      message: { code: 'cancelled-by', who: 'Bora' },
    });
    expect(a.transfers[0]!.bytes).toBeLessThan(3 * 1024 * 1024);

    a.send(blobOf(randomBytes(3 * 1024 * 1024)));
    const second = b.transfers[1]!;
    b.accept(second.key);
    await run(aToB, 2, 5);
    a.cancel(a.transfers[1]!.key);
    await run(aToB);
    expect(b.transfers[1]).toMatchObject({
      phase: 'cancelled',
      message: { code: 'cancelled-by', who: 'Ayla' },
    });
  });

  it('resumes from the receiver’s confirmed bytes after the link comes back, hash intact', async () => {
    const { a, b, aToB, roomA, roomB, received } = pair();
    const data = randomBytes(4 * 1024 * 1024);
    a.send(blobOf(data));
    b.accept(b.transfers[0]!.key);
    await run(aToB, 2, 8);
    const before = b.transfers[0]!.bytes;
    expect(before).toBeGreaterThan(0);
    // ICE restart: the link goes down, what was queued is lost with the old path, then it is back.
    roomA.link('reconnecting');
    roomB.link('reconnecting');
    expect(b.transfers[0]!.phase).toBe('paused');
    aToB.queue = [];
    roomA.link('connected');
    roomB.link('connected');
    await run(aToB, 2);
    expect(received).toHaveLength(1);
    expect(sha(received[0]!)).toBe(createHash('sha256').update(data).digest('hex'));
    expect(a.transfers[0]!.phase).toBe('done');
    // Bytes sent twice were hashed once on each side.
    expect(NodeSha256.streams.slice(-2).map((h) => h.hashed)).toEqual([data.length, data.length]);
  });

  it('a hash that cannot be computed (no worker) stops the transfer with that reason, on both sides', async () => {
    const { a, b, aToB, received } = pair();
    a.send(blobOf(randomBytes(3 * PIECE_BYTES)));
    b.accept(b.transfers[0]!.key);
    NodeSha256.fail = true;
    try {
      await run(aToB, 2);
      for (let i = 0; i < 50 && a.transfers[0]!.phase === 'running'; i++) await run(aToB, 2);
    } finally {
      NodeSha256.fail = false;
    }
    expect(received).toHaveLength(0);
    expect(a.transfers[0]).toMatchObject({ phase: 'failed', message: { code: 'check-failed' } });
    expect(b.transfers[0]).toMatchObject({
      phase: 'cancelled',
      message: { code: 'cancelled-by', who: 'Ayla' },
    });
  });

  it('a stopped transfer closes its hash streams on both sides', async () => {
    const { a, b, aToB } = pair();
    NodeSha256.streams.length = 0;
    a.send(blobOf(randomBytes(3 * PIECE_BYTES)));
    b.accept(b.transfers[0]!.key);
    await run(aToB, 2, 5);
    b.cancel(b.transfers[0]!.key);
    await run(aToB);
    expect(NodeSha256.streams.map((h) => h.closed)).toEqual([true, true]);
  });

  it('a participant who leaves cancels their transfers with a reason', async () => {
    const { a, b, aToB, roomB } = pair();
    a.send(blobOf(randomBytes(2 * 1024 * 1024)));
    b.accept(b.transfers[0]!.key);
    await run(aToB, 1, 3);
    roomB.link('closed');
    expect(b.transfers[0]).toMatchObject({
      phase: 'cancelled',
      message: { code: 'left', who: 'Ayla' },
    });
  });

  it('a wrong hash is refused: nothing is handed over, both sides say so', async () => {
    const { a, b, aToB, roomB, received } = pair();
    a.send(blobOf(randomBytes(100_000)));
    b.accept(b.transfers[0]!.key);
    // A sender that lies about the hash: its end frame is replaced.
    await run(aToB, 1, 1);
    for (let i = 0; i < 100 && !aToB.queue.some((f) => typeof f === 'string'); i++) await turn();
    aToB.queue = aToB.queue.map((f) =>
      typeof f === 'string' ? JSON.stringify({ ...JSON.parse(f), sha256: '0'.repeat(64) }) : f,
    );
    await run(aToB);
    expect(received).toHaveLength(0);
    expect(b.transfers[0]!.phase).toBe('failed');
    expect(b.transfers[0]!.message).toEqual({ code: 'damaged' });
    expect(a.transfers[0]!.message).toEqual({ code: 'damaged-there', who: 'Bora' });
    void roomB;
  });

  it('a file offered to two people is read for each but hashed once, and both verify it', async () => {
    /** Ayla's view of a group: Bora and Cem, each with a file channel of their own. */
    class GroupRoom extends Emitter<RoomEvents> implements FilesRoom {
      readonly peers = new Map<string, { room: FakeRoom; channel: FakeFileChannel }>();
      participants() {
        return [...this.peers.keys()].map((id) => ({ id, name: id, connected: true }));
      }
      sendTo(id: string, message: PeerMessage): boolean {
        this.peers.get(id)!.room.inject(message);
        return true;
      }
      fileChannel(id: string): FileChannelLike {
        return this.peers.get(id)!.channel;
      }
    }
    const group = new GroupRoom();
    const timers = new FakeTimers();
    let n = 0;
    const newId = () => `t${++n}`;
    const received = new Map<string, Uint8Array[]>();
    const outs: FakeFileChannel[] = [];
    for (const id of ['b', 'c']) {
      const out = new FakeFileChannel();
      const back = new FakeFileChannel();
      out.other = back;
      back.other = out;
      const room = new FakeRoom(id, 'a', back);
      room.peerRoom = group as unknown as FakeRoom;
      group.peers.set(id, { room, channel: out });
      outs.push(out);
      const files = new Files({ room, timers, newId, sha256 });
      files.on('received', (_key, parts) => received.set(id, parts));
      files.on('change', () => {
        const offer = files.transfers.find((t) => t.phase === 'offered');
        if (offer) files.accept(offer.key);
      });
    }
    const a = new Files({ room: group, timers, newId, sha256 });
    NodeSha256.streams.length = 0;
    const data = randomBytes(3 * PIECE_BYTES + 5);
    const file = blobOf(data);
    a.send(file);
    // Cem's side reads slower than Bora's: the two transfers are at different pieces.
    for (let i = 0; i < 10_000 && received.size < 2; i++) {
      await turn();
      outs[0]!.drain(3);
      outs[1]!.drain(1);
    }
    const hash = createHash('sha256').update(data).digest('hex');
    expect([...received.keys()].sort()).toEqual(['b', 'c']);
    for (const parts of received.values()) expect(sha(parts)).toBe(hash);
    // One stream for the file on Ayla's side, one per receiver; the file's bytes went into it once.
    expect(NodeSha256.streams.map((h) => h.hashed)).toEqual([data.length, data.length, data.length]);
    expect(file.reads).toBe(2 * Math.ceil(data.length / PIECE_BYTES));
  });

  describe('bad input from a peer', () => {
    /** B's view after A's room sends raw frames on the file channel. */
    function hostile() {
      const p = pair({ maxReceiveBytes: 10 * 1024 * 1024 });
      const feed = (data: unknown) => p.bToA.onmessage?.({ data });
      return { ...p, feed };
    }

    it('chunks for an unknown or declined transfer are ignored with one notice each', () => {
      const { b, roomB, feed } = hostile();
      feed(encodeChunk(77, 0, new Uint8Array(10)).buffer);
      feed(encodeChunk(77, 10, new Uint8Array(10)).buffer);
      roomB.inject({ t: 'file-offer', id: 'x1', n: 5, name: 'a.txt', size: 10, mime: 'text/plain' });
      b.decline(b.transfers[0]!.key);
      feed(encodeChunk(5, 0, new Uint8Array(10)).buffer);
      expect(b.notices).toEqual([
        { code: 'unknown', who: 'Ayla' },
        { code: 'unknown', who: 'Ayla' },
      ]);
    });

    it('more bytes than announced, a gap, and duplicates', () => {
      const { b, roomB, feed, roomA } = hostile();
      roomB.inject({ t: 'file-offer', id: 'x1', n: 1, name: 'a', size: 20, mime: '' });
      b.accept(b.transfers[0]!.key);
      feed(encodeChunk(1, 0, new Uint8Array(16)).buffer);
      feed(encodeChunk(1, 0, new Uint8Array(16)).buffer); // duplicate: ignored
      expect(b.transfers[0]).toMatchObject({
        phase: 'running',
        bytes: 16,
        message: { code: 'duplicates', count: 1 },
      });
      feed(encodeChunk(1, 16, new Uint8Array(16)).buffer); // 32 > 20
      expect(b.transfers[0]).toMatchObject({
        phase: 'failed',
        message: { code: 'overrun', size: 20 },
      });
      expect(roomB.sent.at(-1)).toEqual({ t: 'file-cancel', id: 'x1', reason: 'refused' });

      roomB.inject({ t: 'file-offer', id: 'x2', n: 2, name: 'b', size: 100, mime: '' });
      b.accept(b.transfers[1]!.key);
      feed(encodeChunk(2, 50, new Uint8Array(10)).buffer);
      expect(b.transfers[1]).toMatchObject({
        phase: 'failed',
        message: { code: 'gap' },
        bytes: 0,
      });
      void roomA;
    });

    it('an offer over the limit is refused with the limit named; garbage frames change nothing', () => {
      const { b, roomB, feed } = hostile();
      roomB.inject({ t: 'file-offer', id: 'big', n: 9, name: 'huge.iso', size: 11 * 1024 * 1024, mime: '' });
      expect(b.transfers[0]).toMatchObject({ phase: 'failed' });
      expect(b.transfers[0]!.message).toEqual({ code: 'too-big', name: 'huge.iso', limit: 10 * 1024 * 1024 });
      feed('not json');
      feed(new Uint8Array(3).buffer);
      feed(42);
      roomB.inject({ t: 'file-offer', id: 'bad', n: -1, name: 'x', size: 1, mime: '' });
      roomB.inject({ t: 'file-offer', id: 'bad', n: 1, name: '\u0000\u0001', size: 1, mime: '' });
      roomB.inject({ t: 'file-offer', id: 'bad', n: 1, name: 'x', size: 1.5, mime: '' });
      expect(b.transfers).toHaveLength(1);
    });
  });
});
