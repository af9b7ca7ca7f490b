import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeChunk } from '../../../../src/call/files/channel.js';
import { ACK_EVERY_BYTES, PIECE_BYTES, CHAT_WINDOW_BYTES } from '../../../../src/call/files/limits.js';
import { blobOf, pair, run, sha, turn } from './fake-files.js';

describe('Files, receiving (receive.ts): pieces kept in order, acks, the check, bad input', () => {
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
