import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DiyalogConfig } from '../../peer-server/src/config.js';
import { newId } from '../../src/call/ids.js';
import { startRedis, type RunningRedis } from '../support/redis.js';
import {
  admissionHeaders,
  eventually,
  newRoom,
  RawClient,
  startServer,
  type RunningServer,
} from './helpers.js';

let redis: RunningRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

const servers: RunningServer[] = [];
const clients: RawClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(servers.splice(0).map((running) => running.server.close()));
});

describe.each([
  ['memory', () => ({})],
  ['redis', () => ({ redisUrl: redis.url })],
] as const)('rooms with the %s store', (_name, storeConfig) => {
  async function start(overrides: Partial<DiyalogConfig> = {}): Promise<RunningServer> {
    const running = await startServer({ ...storeConfig(), ...overrides });
    servers.push(running);
    return running;
  }

  async function join(running: RunningServer, id: string, room: string, token?: string): Promise<RawClient> {
    const client = RawClient.connect(running.port, id, token ?? `token-${id}`, 'peerjs', { room });
    clients.push(client);
    const open = await client.next();
    expect(open).toEqual({ type: 'OPEN', payload: { room, members: expect.arrayContaining([id]) } });
    return client;
  }

  async function members(running: RunningServer, room: string, id: string, token = `token-${id}`) {
    const response = await fetch(`${running.url}/api/rooms/${room}/members?id=${id}&token=${token}`);
    return { status: response.status, body: (await response.json()) as unknown };
  }

  it('tells the others on join (ROOM-JOIN with the members) and when a socket closes (LEAVE gone)', async () => {
    const running = await start();
    const room = newRoom();
    const host = await join(running, room, room);
    expect(host.messages).toEqual([]);

    const guest = RawClient.connect(running.port, 'guest', 'token-guest', 'peerjs', { room });
    clients.push(guest);
    expect(await guest.next()).toEqual({ type: 'OPEN', payload: { room, members: [room, 'guest'] } });
    expect(await host.next()).toEqual({
      type: 'ROOM-JOIN',
      src: 'guest',
      payload: { members: [room, 'guest'] },
    });

    const third = await join(running, 'third', room);
    const joined = { type: 'ROOM-JOIN', src: 'third', payload: { members: [room, 'guest', 'third'] } };
    expect(await host.next()).toEqual(joined);
    expect(await guest.next()).toEqual(joined);

    // Members relay to each other as before.
    guest.send({ type: 'OFFER', dst: room, payload: { sdp: 'x' } });
    expect(await host.next()).toEqual({ type: 'OFFER', src: 'guest', dst: room, payload: { sdp: 'x' } });

    await guest.close();
    const gone = { type: 'LEAVE', src: 'guest', payload: { reason: 'gone' } };
    expect(await host.next()).toEqual(gone);
    expect(await third.next()).toEqual(gone);
    expect(await members(running, room, room)).toEqual({ status: 200, body: { members: [room, 'third'] } });
    expect(running.logs).toContainEqual({ event: 'room-left', room, id: 'guest', reason: 'closed' });
    expect(host.messages).toEqual([]);
    expect(third.messages).toEqual([]);
  });

  it('treats a LEAVE without dst as leaving the room; the socket stays registered', async () => {
    const running = await start();
    const room = newRoom();
    const host = await join(running, room, room);
    const guest = await join(running, 'guest', room);
    await host.next(); // ROOM-JOIN

    guest.send({ type: 'LEAVE' });
    expect(await host.next()).toEqual({ type: 'LEAVE', src: 'guest', payload: { reason: 'gone' } });
    expect((await members(running, room, 'guest')).status).toBe(403);
    expect((await members(running, room, room)).body).toEqual({ members: [room] });
    // Out of the room, it no longer reaches the room's members (nor they it).
    guest.send({ type: 'CANDIDATE', dst: room, payload: { c: 1 } });
    expect(await guest.next()).toEqual({ type: 'EXPIRE', src: room, dst: 'guest' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(host.messages).toEqual([]);
    await guest.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(host.messages).toEqual([]); // no second LEAVE: it had left already
  });

  it('refuses a member over capacity with ERROR room-full and a close, telling nobody', async () => {
    const running = await start({ roomCapacity: 2 });
    const room = newRoom();
    const host = await join(running, room, room);
    const guest = await join(running, 'guest', room);
    await host.next(); // ROOM-JOIN guest

    const extra = RawClient.connect(running.port, 'extra', 'token-extra', 'peerjs', { room });
    clients.push(extra);
    expect(await extra.next()).toEqual({ type: 'ERROR', payload: { msg: 'room-full' } });
    expect((await extra.closedWithin()).code).toBe(1008);
    expect((await members(running, room, room)).body).toEqual({ members: [room, 'guest'] });
    // The refused id is not registered: it cannot be relayed to, and its id is free again.
    expect((await fetch(`${running.url}/health`).then((r) => r.json())) as object).toMatchObject({
      peers: 2,
    });

    await guest.close();
    await host.next(); // LEAVE guest
    const late = await join(running, 'extra', room);
    expect(await host.next()).toMatchObject({ type: 'ROOM-JOIN', src: 'extra' });
    expect(late.messages).toEqual([]);
  });

  it("answers waiting while anyone is in the room (the room is nobody's id)", async () => {
    const running = await start();
    const room = newRoom();
    const waiting = async () =>
      (
        (await (
          await fetch(`${running.url}/api/rooms/${room}`, { headers: admissionHeaders(room) })
        ).json()) as { waiting: boolean }
      ).waiting;
    expect(await waiting()).toBe(false);
    const first = await join(running, newId(), room);
    expect(await waiting()).toBe(true);
    const second = await join(running, newId(), room);
    // The one who started the call leaves: the room is still there for the next person.
    await first.close();
    expect(await second.next()).toMatchObject({ type: 'LEAVE', payload: { reason: 'gone' } });
    expect(await waiting()).toBe(true);
    await second.close();
    await eventually(async () => !(await waiting()), 'waiting to turn false after everyone left');
  });

  it('lists members only to a registered member of that room', async () => {
    const running = await start();
    const room = newRoom();
    const otherRoom = newRoom();
    await join(running, room, room);
    await join(running, 'outsider', otherRoom);
    const plain = await RawClient.register(running.port, 'plain');
    clients.push(plain);

    expect(await members(running, room, room)).toEqual({ status: 200, body: { members: [room] } });
    expect((await members(running, room, room, 'wrong-token')).status).toBe(403);
    expect((await members(running, room, 'outsider')).status).toBe(403);
    expect((await members(running, room, 'plain')).status).toBe(403);
    expect((await members(running, room, 'nobody')).status).toBe(403);
    expect((await fetch(`${running.url}/api/rooms/${room}/members`)).status).toBe(401);
    expect((await fetch(`${running.url}/api/rooms/${room}/members?id=${room}&token=a%20b`)).status).toBe(401);
    expect((await fetch(`${running.url}/api/rooms/not-a-room/members?id=a&token=b`)).status).toBe(400);
  });

  it('lets a peer reconnect with the same id and token: the old socket goes, the room hears ROOM-JOIN again', async () => {
    const running = await start();
    const room = newRoom();
    const host = await join(running, room, room);
    const first = await join(running, 'guest', room);
    await host.next(); // ROOM-JOIN guest

    const second = await join(running, 'guest', room);
    expect((await first.closedWithin()).code).toBe(4000);
    expect(await host.next()).toEqual({
      type: 'ROOM-JOIN',
      src: 'guest',
      payload: { members: [room, 'guest'] },
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(host.messages).toEqual([]); // no LEAVE for the replaced socket
    host.send({ type: 'ANSWER', dst: 'guest', payload: 'to the new socket' });
    expect(await second.next()).toMatchObject({ type: 'ANSWER', payload: 'to the new socket' });
  });

  it('keeps rooms apart', async () => {
    const running = await start();
    const [roomA, roomB] = [newRoom(), newRoom()];
    const hostA = await join(running, roomA, roomA);
    const hostB = await join(running, roomB, roomB);
    await join(running, 'guest-a', roomA);
    expect(await hostA.next()).toMatchObject({ type: 'ROOM-JOIN', src: 'guest-a' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(hostB.messages).toEqual([]);
  });
});

describe('rooms on a shared Redis', () => {
  it('are shared by two server instances: capacity and waiting count members of both', async () => {
    const [a, b] = await Promise.all([
      startServer({ redisUrl: redis.url, roomCapacity: 2 }),
      startServer({ redisUrl: redis.url, roomCapacity: 2 }),
    ]);
    servers.push(a, b);
    const room = newRoom();
    const host = RawClient.connect(a.port, room, 'token-host', 'peerjs', { room });
    clients.push(host);
    expect(await host.next()).toMatchObject({ type: 'OPEN' });
    expect(
      await (await fetch(`${b.url}/api/rooms/${room}`, { headers: admissionHeaders(room) })).json(),
    ).toEqual({ waiting: true });

    const guest = RawClient.connect(b.port, 'guest', 'token-guest', 'peerjs', { room });
    clients.push(guest);
    expect(await guest.next()).toEqual({ type: 'OPEN', payload: { room, members: [room, 'guest'] } });
    const extra = RawClient.connect(a.port, 'extra', 'token-extra', 'peerjs', { room });
    clients.push(extra);
    expect(await extra.next()).toEqual({ type: 'ERROR', payload: { msg: 'room-full' } });
  });
});

describe('when Redis goes away', () => {
  it('refuses room joins with ERROR room-unavailable while plain relaying goes on', async () => {
    const own = await startRedis();
    try {
      const running = await startServer({ redisUrl: own.url });
      servers.push(running);
      const alice = await RawClient.register(running.port, 'alice');
      const bob = await RawClient.register(running.port, 'bob');
      clients.push(alice, bob);
      await own.stop();

      const joiner = RawClient.connect(running.port, 'joiner', 'token-joiner', 'peerjs', { room: newRoom() });
      clients.push(joiner);
      expect(await joiner.next()).toEqual({ type: 'ERROR', payload: { msg: 'room-unavailable' } });
      expect((await joiner.closedWithin()).code).toBe(1008);
      alice.send({ type: 'OFFER', dst: 'bob', payload: 'still relaying' });
      expect(await bob.next()).toMatchObject({ src: 'alice', payload: 'still relaying' });
      const asked = newRoom();
      const status = await fetch(`${running.url}/api/rooms/${asked}`, { headers: admissionHeaders(asked) });
      expect(status.status).toBe(503);
      expect(running.logs).toContainEqual(
        expect.objectContaining({ event: 'store-error', operation: 'join' }),
      );
    } finally {
      await own.stop();
    }
  });
});
