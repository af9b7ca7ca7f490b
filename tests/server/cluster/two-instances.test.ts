/**
 * Two (and for the crash, three) real server processes on one real Redis: peers on different instances relay,
 * share rooms and hear each other's ROOM-JOIN/LEAVE; API calls work on whichever instance they land; an id
 * taken over on one instance closes the old socket on the other; a SIGKILLed instance's members leave their
 * rooms; Redis stopped and started again mid-relay. CLUSTER_HEARTBEAT_MS=300 scales presence timing down
 * (dead after 3 silent beats, reaped at the next beat: ~1.2 s instead of ~20 s with the default 5 s beat).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RunningRedis } from '../../support/redis.js';
import { startServerProcess, stopOnExit, type ServerProcess } from '../../support/resilience.js';
import {
  admissionHeaders,
  eventually,
  parseMetrics,
  RawClient,
  ROOM,
  OTHER_ROOM,
  type ServerMessage,
} from '../helpers.js';

const HEARTBEAT_MS = 300;
let redis: RunningRedis;
let a: ServerProcess;
let b: ServerProcess;

async function instance(name: string): Promise<ServerProcess> {
  const server = await startServerProcess({
    env: { REDIS_URL: redis.url, INSTANCE_ID: name, CLUSTER_HEARTBEAT_MS: String(HEARTBEAT_MS) },
  });
  stopOnExit(server);
  return server;
}

beforeAll(async () => {
  redis = await startRedis();
  [a, b] = await Promise.all([instance('a'), instance('b')]);
}, 60_000);
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await redis?.stop();
});

const clients: RawClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

async function register(server: ServerProcess, id: string, options: { room?: string; token?: string } = {}) {
  const client = await RawClient.register(server.port, id, options.token ?? `token-${id}`, 'peerjs', options);
  clients.push(client);
  return client;
}

/** The next message that is not a HEARTBEAT echo. */
async function nextOf(client: RawClient, timeoutMs = 3000): Promise<ServerMessage> {
  return client.next(timeoutMs);
}

describe('two instances on one Redis', () => {
  it('relay between peers on different instances, both ways, in order', async () => {
    const alice = await register(a, 'alice');
    const bob = await register(b, 'bob');
    alice.send({ type: 'OFFER', dst: 'bob', payload: { sdp: 'o' } });
    expect(await nextOf(bob)).toEqual({ type: 'OFFER', src: 'alice', dst: 'bob', payload: { sdp: 'o' } });
    bob.send({ type: 'ANSWER', dst: 'alice', payload: { sdp: 'a' } });
    expect(await nextOf(alice)).toEqual({ type: 'ANSWER', src: 'bob', dst: 'alice', payload: { sdp: 'a' } });
    for (let seq = 0; seq < 100; seq++) alice.send({ type: 'CANDIDATE', dst: 'bob', payload: { seq } });
    const seqs: unknown[] = [];
    for (let i = 0; i < 100; i++) seqs.push(((await nextOf(bob)).payload as { seq: number }).seq);
    expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('holds frames for an id that registers later on the other instance, in order; EXPIRE after 5 s for nobody', async () => {
    const alice = await register(a, 'early-caller');
    alice.send({ type: 'OFFER', dst: 'late-callee', payload: 1 });
    alice.send({ type: 'CANDIDATE', dst: 'late-callee', payload: 2 });
    alice.send({ type: 'OFFER', dst: 'never-there', payload: 3 });
    const sentAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 700));
    const callee = await register(b, 'late-callee');
    expect((await nextOf(callee)).payload).toBe(1);
    expect((await nextOf(callee)).payload).toBe(2);
    const expire = await nextOf(alice, 9000);
    expect(expire).toEqual({ type: 'EXPIRE', src: 'never-there', dst: 'early-caller' });
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(4900);
  });

  it('rooms span instances: OPEN lists every member, ROOM-JOIN and LEAVE reach the other instance', async () => {
    const host = await register(a, ROOM, { room: ROOM });
    const guest = await register(b, 'guest', { room: ROOM });
    expect(guest.messages).toEqual([]);
    expect(await nextOf(host)).toEqual({
      type: 'ROOM-JOIN',
      src: 'guest',
      payload: { members: [ROOM, 'guest'] },
    });
    const third = await register(b, 'third', { room: ROOM });
    expect((await nextOf(host)).src).toBe('third');
    expect((await nextOf(guest)).src).toBe('third');
    await third.close();
    expect(await nextOf(host)).toEqual({ type: 'LEAVE', src: 'third', payload: { reason: 'gone' } });
    expect(await nextOf(guest)).toEqual({ type: 'LEAVE', src: 'third', payload: { reason: 'gone' } });
    // LEAVE without dst: "I leave my room", told across instances too.
    guest.send({ type: 'LEAVE' });
    expect(await nextOf(host)).toEqual({ type: 'LEAVE', src: 'guest', payload: { reason: 'gone' } });
  });

  it('answers API calls for a peer registered on the other instance', async () => {
    await register(a, ROOM, { room: ROOM });
    await register(a, 'member', { room: ROOM });
    const ice = await fetch(`${b.url}/api/ice-servers?id=member&token=token-member`);
    expect(ice.status).toBe(200);
    expect(await fetch(`${b.url}/api/ice-servers?id=member&token=wrong`).then((r) => r.status)).toBe(403);
    const members = await fetch(`${b.url}/api/rooms/${ROOM}/members?id=member&token=token-member`);
    expect(await members.json()).toEqual({ members: [ROOM, 'member'] });
    const ask = (room: string) => fetch(`${b.url}/api/rooms/${room}`, { headers: admissionHeaders(room) });
    expect(await ask(ROOM).then((r) => r.json())).toEqual({ waiting: true });
    expect(await ask(OTHER_ROOM).then((r) => r.json())).toEqual({ waiting: false });
  });

  it('an id taken over on the other instance closes the old socket; another token gets ID-TAKEN', async () => {
    const old = await register(a, 'mover', { room: ROOM });
    const watcher = await register(a, 'watcher', { room: ROOM });
    expect((await nextOf(old)).type).toBe('ROOM-JOIN');
    const thief = RawClient.connect(b.port, 'mover', 'other-token');
    clients.push(thief);
    expect((await nextOf(thief)).type).toBe('ID-TAKEN');
    const moved = await register(b, 'mover', { room: ROOM });
    expect(await old.closedWithin()).toEqual({ code: 4000, reason: 'replaced by a newer connection' });
    // Same room: the membership carried over; the room hears the new socket join, not a LEAVE.
    expect(await nextOf(watcher)).toMatchObject({ type: 'ROOM-JOIN', src: 'mover' });
    watcher.send({ type: 'OFFER', dst: 'mover', payload: 'to the new socket' });
    expect((await nextOf(moved)).payload).toBe('to the new socket');
    const members = await fetch(`${a.url}/api/rooms/${ROOM}/members?id=watcher&token=token-watcher`);
    expect(((await members.json()) as { members: string[] }).members.sort()).toEqual(['mover', 'watcher']);
  });

  it('labels /metrics with the instance and counts frames that came over the bus', async () => {
    const x = await register(a, 'metrics-x');
    const y = await register(b, 'metrics-y');
    x.send({ type: 'OFFER', dst: 'metrics-y', payload: 1 });
    await nextOf(y);
    const values = parseMetrics(await fetch(`${b.url}/metrics`).then((r) => r.text()));
    expect(values.get('diyalog_bus_frames_received_total{instance="b"}')).toBeGreaterThanOrEqual(1);
    expect(values.get('diyalog_redis_up{instance="b"}')).toBe(1);
    expect(await fetch(`${a.url}/health`).then((r) => r.json())).toMatchObject({
      status: 'ok',
      instance: 'a',
    });
  });
});

describe('a SIGKILLed instance', () => {
  it('loses its members: a live instance removes them from their rooms and tells the rooms LEAVE', async () => {
    const doomed = await instance('doomed');
    try {
      const survivor = await register(a, 'survivor', { room: OTHER_ROOM });
      const ghost = RawClient.register(doomed.port, 'ghost', 'token-ghost', 'peerjs', { room: OTHER_ROOM });
      const ghostClient = await ghost;
      expect((await nextOf(survivor)).src).toBe('ghost');
      // Let the doomed instance beat at least once with its member.
      await new Promise((resolve) => setTimeout(resolve, 2 * HEARTBEAT_MS));
      const killedAt = Date.now();
      await doomed.stop('SIGKILL');
      expect(await nextOf(survivor, 30_000)).toEqual({
        type: 'LEAVE',
        src: 'ghost',
        payload: { reason: 'gone' },
      });
      const tookMs = Date.now() - killedAt;
      console.log(`LEAVE for a SIGKILLed instance's member after ${tookMs} ms (beat ${HEARTBEAT_MS} ms)`);
      // Dead after 3 silent beats, reaped at the next beat of a live instance: ≤ 4 beats plus scheduling slack.
      expect(tookMs).toBeLessThan(4 * HEARTBEAT_MS + 2000);
      const members = await fetch(
        `${b.url}/api/rooms/${OTHER_ROOM}/members?id=survivor&token=token-survivor`,
      );
      expect(await members.json()).toEqual({ members: ['survivor'] });
      // Its id is free again at once for another token: the directory entry died with the instance.
      const newcomer = RawClient.connect(b.port, 'ghost', 'a-new-token');
      clients.push(newcomer);
      expect((await nextOf(newcomer)).type).toBe('OPEN');
      ghostClient.ws.terminate();
    } finally {
      await doomed.stop('SIGKILL');
    }
  });
});

describe('Redis stopped and started again mid-relay', () => {
  it('keeps serving local peers, reports degraded, and relays across instances again once Redis is back', async () => {
    const alice = await register(a, 'r-alice', { room: ROOM });
    const local = await register(a, 'r-local');
    // Room members reach only their room: the local relay runs between two room-less peers.
    const other = await register(a, 'r-other');
    const bob = await register(b, 'r-bob', { room: ROOM });
    expect((await nextOf(alice)).type).toBe('ROOM-JOIN');
    alice.send({ type: 'OFFER', dst: 'r-bob', payload: 'before' });
    expect((await nextOf(bob)).payload).toBe('before');

    const port = redis.port;
    await redis.stop();
    await eventually(
      async () => (await fetch(`${a.url}/health`).then((r) => r.json())).status === 'degraded',
      '/health to say degraded',
      10_000,
    );
    // Local relay goes on.
    other.send({ type: 'OFFER', dst: 'r-local', payload: 'during' });
    expect((await nextOf(local)).payload).toBe('during');
    // Across instances nothing can go: the sender hears EXPIRE, as for anyone unreachable.
    alice.send({ type: 'CANDIDATE', dst: 'r-bob', payload: 'lost' });
    expect(await nextOf(alice, 9000)).toEqual({ type: 'EXPIRE', src: 'r-bob', dst: 'r-alice' });
    expect(a.events.some((e) => e.event === 'cluster-degraded')).toBe(true);

    // A fresh, empty Redis on the same port: the instances say again what they hold.
    redis = await startRedis({ port });
    await Promise.all(
      [a, b].map((server) =>
        eventually(
          async () => (await fetch(`${server.url}/health`).then((r) => r.json())).status === 'ok',
          '/health to say ok',
          15_000,
        ),
      ),
    );
    await eventually(() => a.events.some((e) => e.event === 'cluster-restored'), 'cluster-restored', 5000);
    await eventually(() => b.events.some((e) => e.event === 'cluster-restored'), 'cluster-restored', 5000);
    // Subscriptions came back (bob's channel on b), and so did the directory and the room.
    alice.send({ type: 'OFFER', dst: 'r-bob', payload: 'after' });
    expect((await nextOf(bob, 5000)).payload).toBe('after');
    bob.send({ type: 'ANSWER', dst: 'r-alice', payload: 'after too' });
    expect((await nextOf(alice, 5000)).payload).toBe('after too');
    // The directory and the room are said again in the background, right after the reconnect.
    const members = async () => {
      const response = await fetch(`${b.url}/api/rooms/${ROOM}/members?id=r-alice&token=token-r-alice`);
      return response.status === 200 ? ((await response.json()) as { members: string[] }).members.sort() : [];
    };
    await eventually(async () => (await members()).length === 2, 'both members back in the room', 5000);
    expect(await members()).toEqual(['r-alice', 'r-bob']);
    // Nobody was reaped (Redis was away for every instance): the room heard no LEAVE and no ROOM-JOIN.
    expect(alice.messages).toEqual([]);
    expect(bob.messages).toEqual([]);
  });
});
