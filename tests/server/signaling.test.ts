import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually, RawClient, startServer, type RunningServer } from './helpers.js';

let running: RunningServer;
const clients: RawClient[] = [];

beforeEach(async () => {
  running = await startServer();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await running.server.close();
});

async function register(id: string, token?: string): Promise<RawClient> {
  const client = await RawClient.register(running.port, id, token);
  clients.push(client);
  return client;
}

/** A relays an OFFER to B, proving the server still works for well-behaved clients. */
async function expectRelay(
  a: RawClient,
  b: RawClient,
  aId: string,
  bId: string,
  payload: unknown,
): Promise<void> {
  a.send({ type: 'OFFER', dst: bId, payload });
  expect(await b.next()).toEqual({ type: 'OFFER', src: aId, dst: bId, payload });
}

describe('PeerJS protocol over raw WebSockets', () => {
  it('registers, relays OFFER/ANSWER/CANDIDATE with src set by the server, and accepts HEARTBEAT', async () => {
    const alice = await register('alice');
    const bob = await register('bob');

    alice.send({ type: 'HEARTBEAT' });
    await expectRelay(alice, bob, 'alice', 'bob', { sdp: 'v=0 SECRET-SDP' });
    // A client cannot forge src: the server overwrites it.
    bob.send({ type: 'ANSWER', src: 'mallory', dst: 'alice', payload: { sdp: 'answer' } });
    expect(await alice.next()).toMatchObject({ type: 'ANSWER', src: 'bob' });
    alice.send({ type: 'CANDIDATE', dst: 'bob', payload: { candidate: 'c' } });
    expect(await bob.next()).toMatchObject({ type: 'CANDIDATE', src: 'alice' });

    expect(alice.messages).toEqual([]);
    expect(running.logs.filter((entry) => entry.event === 'frame-rejected')).toEqual([]);
    expect(JSON.stringify(running.logs)).not.toContain('SECRET-SDP');
  });

  it('answers a HEARTBEAT that asks for an echo, and only that one (peerjs clients never ask)', async () => {
    const alice = await register('alice');
    alice.send({ type: 'HEARTBEAT' });
    alice.send({ type: 'HEARTBEAT', payload: { echo: 'yes' } });
    // A relay through the server to ourselves marks the point by which those two were handled.
    alice.send({ type: 'CANDIDATE', dst: 'alice', payload: 'mark' });
    expect(await alice.next()).toMatchObject({ type: 'CANDIDATE', payload: 'mark' });
    alice.send({ type: 'HEARTBEAT', payload: { echo: true } });
    expect(await alice.next()).toEqual({ type: 'HEARTBEAT' });
    expect(alice.messages).toEqual([]);
  });

  it('answers ID-TAKEN to a second client with another token, and ERROR for a wrong key', async () => {
    await register('alice', 'token-1');
    const impostor = RawClient.connect(running.port, 'alice', 'token-2');
    expect(await impostor.next()).toMatchObject({ type: 'ID-TAKEN' });
    await impostor.closedWithin();

    const wrongKey = RawClient.connect(running.port, 'carol', 'token', 'not-the-key');
    expect(await wrongKey.next()).toMatchObject({ type: 'ERROR', payload: { msg: 'Invalid key provided' } });
    await wrongKey.closedWithin();
  });

  const badFrames: [string, string | Buffer, number, string][] = [
    ['malformed JSON', '{"type":"OFFER",', 1007, 'malformed-json'],
    ['JSON null', 'null', 1007, 'not-an-object'],
    ['a JSON number', '42', 1007, 'not-an-object'],
    ['a JSON string', '"OFFER"', 1007, 'not-an-object'],
    ['a JSON array', '[{"type":"OFFER","dst":"bob"}]', 1007, 'not-an-object'],
    ['binary garbage', randomBytes(512), 1003, 'binary-frame'],
    [
      'a 100 KiB frame (cap is 64 KiB)',
      JSON.stringify({ type: 'OFFER', dst: 'bob', payload: 'x'.repeat(100 * 1024) }),
      1009,
      'frame-too-large',
    ],
  ];

  it.each(badFrames)(
    'survives %s: closes only the sender, others keep relaying',
    async (_name, frame, code, reason) => {
      const alice = await register('alice');
      const bob = await register('bob');
      const bad = await register('bad');

      bad.send(frame);
      expect((await bad.closedWithin()).code).toBe(code);
      await eventually(
        () =>
          running.logs.some(
            (entry) => entry.event === 'frame-rejected' && entry.id === 'bad' && entry.reason === reason,
          ),
        `a frame-rejected log with reason ${reason}`,
      );

      await expectRelay(alice, bob, 'alice', 'bob', { sdp: 'after' });
      await expectRelay(bob, alice, 'bob', 'alice', { sdp: 'back' });
      expect(bob.messages).toEqual([]); // nothing of the bad frame leaked to a peer
      const health = await fetch(`${running.url}/health`);
      expect(await health.json()).toMatchObject({ status: 'ok', peers: 2 });
      expect(
        running.logs.some((entry) => entry.event === 'store-error' || entry.event === 'http-error'),
      ).toBe(false);
    },
  );

  it('survives every bad frame in a row on one server', async () => {
    const alice = await register('alice');
    const bob = await register('bob');
    for (const [, frame, code] of badFrames) {
      const bad = RawClient.connect(running.port, 'bad');
      expect((await bad.next()).type).toBe('OPEN');
      bad.send(frame);
      expect((await bad.closedWithin()).code).toBe(code);
    }
    await expectRelay(alice, bob, 'alice', 'bob', { sdp: 'still here' });
  });

  it('tells the sender EXPIRE when the destination never connects', async () => {
    const alice = await register('alice');
    alice.send({ type: 'OFFER', dst: 'nobody', payload: {} });
    // peer queues the message for ~5 s (expire_timeout) before giving up.
    expect(await alice.next(10_000)).toMatchObject({ type: 'EXPIRE', src: 'nobody' });
  });
});
