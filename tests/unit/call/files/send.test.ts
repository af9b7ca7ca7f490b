import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { PeerMessage } from '../../../../src/call/channel/messages.js';
import { type FileChannelLike } from '../../../../src/call/files/channel.js';
import { Emitter } from '../../../../src/call/emitter.js';
import { Files, type FilesRoom } from '../../../../src/call/files/files.js';
import {
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
import { FakeTimers } from '../fakes.js';
import {
  blobOf,
  FakeFileChannel,
  FakeRoom,
  NodeSha256,
  pair,
  run,
  sha,
  sha256,
  turn,
  type RoomEvents,
} from './fake-files.js';

describe('Files, sending (send-pump.ts): backpressure, the window, chat pacing, one hash per file', () => {
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
});
