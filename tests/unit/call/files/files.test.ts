import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PIECE_BYTES } from '../../../../src/call/files/limits.js';
import { blobOf, NodeSha256, pair, run, sha, turn } from './fake-files.js';

describe('Files: offer, accept, decline, cancel, resume, leave (files.ts)', () => {
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
});
