/**
 * The attacks of issue 11, by someone who knows a call's room id (the invite link's path: it shows in proxy
 * logs, link previews and history) but not the `#s=` secret. Each failed against the server before room
 * admission; each must fail for the attacker now.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DiyalogConfig } from '../../peer-server/src/config.js';
import { newId } from '../../src/call/ids.js';
import {
  admissionHeaders,
  admissionOf,
  eventually,
  newRoom,
  parseMetrics,
  RawClient,
  startServer,
  type RunningServer,
} from './helpers.js';

let running: RunningServer | undefined;
const clients: RawClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await running?.server.close();
  running = undefined;
});

async function start(overrides: Partial<DiyalogConfig> = {}): Promise<RunningServer> {
  running = await startServer(overrides);
  return running;
}

function connect(id: string, options: Parameters<typeof RawClient.connect>[4] = {}, token = `token-${id}`) {
  const client = RawClient.connect(running!.port, id, token, 'peerjs', options);
  clients.push(client);
  return client;
}

async function join(id: string, room: string, token = `token-${id}`): Promise<RawClient> {
  const client = connect(id, { room, tokenInProtocol: true }, token);
  expect(await client.next()).toMatchObject({ type: 'OPEN' });
  return client;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('room admission', () => {
  it('five outsiders cannot fill a room (capacity 6): refused, unheard of, and the guest still gets in', async () => {
    await start({ roomCapacity: 6 });
    const room = newRoom();
    const host = await join(room, room);
    const outsiders = [
      connect('o1', { room, admission: null }),
      connect('o2', { room, admission: newId() }),
      connect('o3', { room, admission: admissionOf(newRoom()) }),
      connect('o4', { room, admission: 'short' }),
      connect('o5', { room, admission: null }),
    ];
    for (const outsider of outsiders) {
      expect(await outsider.next()).toEqual({ type: 'ERROR', payload: { msg: 'not-admitted' } });
      expect((await outsider.closedWithin()).code).toBe(1008);
    }
    const guest = await join('guest', room);
    expect(guest.messages).toEqual([]);
    expect(await host.next()).toEqual({
      type: 'ROOM-JOIN',
      src: 'guest',
      payload: { members: [room, 'guest'] },
    });
    expect(host.messages).toEqual([]); // nothing about the outsiders
    const metrics = parseMetrics(await (await fetch(`${running!.url}/metrics`)).text());
    expect(metrics.get('diyalog_connections_rejected_total{reason="not-admitted"}')).toBe(5);
  });

  it('an outsider learns nothing: no roster, no room status, no relay in either direction', async () => {
    await start();
    const room = newRoom();
    const host = await join(room, room);
    const guest = await join('guest', room);
    await host.next(); // ROOM-JOIN
    const outsider = connect('outsider');
    expect(await outsider.next()).toEqual({ type: 'OPEN' });

    const members = await fetch(`${running!.url}/api/rooms/${room}/members?id=outsider&token=token-outsider`);
    expect(members.status).toBe(403);
    expect((await fetch(`${running!.url}/api/rooms/${room}`)).status).toBe(403);
    const status = await fetch(`${running!.url}/api/rooms/${room}`, { headers: admissionHeaders(room) });
    expect(await status.json()).toEqual({ waiting: true });

    outsider.send({ type: 'OFFER', dst: room, payload: { sdp: 'bogus' } });
    outsider.send({ type: 'LEAVE', dst: 'guest', payload: { reason: 'hangup' } });
    expect(await outsider.next()).toEqual({ type: 'EXPIRE', src: room, dst: 'outsider' });
    // Members cannot be made to talk to it either (a reply would spend their rate budget).
    host.send({ type: 'ANSWER', dst: 'outsider', payload: 'x' });
    expect(await host.next()).toEqual({ type: 'EXPIRE', src: 'outsider', dst: room });
    await sleep(100);
    expect(guest.messages).toEqual([]);
    expect(outsider.messages).toEqual([]);
  });

  it('bogus OFFERs at the host while an id-grab loop runs: the call survives, the owner never gets ID-TAKEN', async () => {
    await start({ rateLimitPerSecond: 20, rateLimitBurst: 40 });
    const room = newRoom();
    let host = await join(room, room, 'host-token');
    const guest = await join('guest', room);
    await host.next(); // ROOM-JOIN

    // 40 room-less sockets flood the host's and guest's ids with OFFERs they cannot open.
    const flooders = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const flooder = connect(`flood-${i}`);
        await flooder.next(); // OPEN
        return flooder;
      }),
    );
    let flooding = true;
    const flood = (async () => {
      while (flooding) {
        for (const flooder of flooders) {
          flooder.send({ type: 'OFFER', dst: room, payload: { v: 1, iv: 'x', ct: 'y' } });
          flooder.send({ type: 'OFFER', dst: 'guest', payload: { v: 1, iv: 'x', ct: 'y' } });
        }
        await sleep(50);
      }
    })();
    // Meanwhile an attacker tries to take the host's id, again and again, with other tokens.
    const grabs: string[] = [];
    let grabbing = true;
    const grab = (async () => {
      while (grabbing) {
        const grabber = RawClient.connect(running!.port, room, newId());
        grabs.push((await grabber.next().catch(() => ({ type: 'none' }))).type);
        await grabber.close();
      }
    })();

    await sleep(700);
    // The host's signaling drops (a network blip); the grab loop keeps going through the gap.
    host.ws.terminate();
    await sleep(700);
    host = await join(room, room, 'host-token');
    await sleep(300);
    flooding = false;
    grabbing = false;
    await Promise.all([flood, grab]);

    expect(grabs.length).toBeGreaterThan(5);
    expect(new Set(grabs)).toEqual(new Set(['ID-TAKEN']));
    expect(host.messages).toEqual([]); // back in, and nothing from the flood
    expect(guest.messages.filter((m) => m.src?.startsWith('flood-'))).toEqual([]);
    // The guest heard its host drop and come back, and still reaches it.
    expect(guest.messages.map((m) => m.type)).toEqual(['LEAVE', 'ROOM-JOIN']);
    guest.send({ type: 'CANDIDATE', dst: room, payload: 'still here' });
    expect(await host.next()).toEqual({ type: 'CANDIDATE', src: 'guest', dst: room, payload: 'still here' });
  });

  it('a group call of random ids: the outsider who knows the room (and even the ids) gets no roster, slot, relay or TURN, and the room stays waiting while anyone admitted is in it', async () => {
    await start({ turnUrls: ['turn:turn.example.org:3478'], turnSecret: 'coturn-secret' });
    const room = newRoom();
    // As our client does now: everyone registers a random id in the room; the room is nobody's id.
    const [a, b, c] = [newId(), newId(), newId()];
    const first = await join(a, room);
    const second = await join(b, room);
    const third = await join(c, room);
    expect(await first.next()).toMatchObject({ type: 'ROOM-JOIN', src: b });
    expect(await first.next()).toMatchObject({ type: 'ROOM-JOIN', src: c });
    expect(await second.next()).toMatchObject({ type: 'ROOM-JOIN', src: c });

    // Without the admission token: no slot in the room, no status, no member list, no TURN credentials.
    const squatter = connect(newId(), { room, admission: null });
    expect(await squatter.next()).toEqual({ type: 'ERROR', payload: { msg: 'not-admitted' } });
    expect((await fetch(`${running!.url}/api/rooms/${room}`)).status).toBe(403);
    const outsiderId = newId();
    const outsider = connect(outsiderId);
    expect(await outsider.next()).toEqual({ type: 'OPEN' });
    const asOutsider = { Authorization: `Peer ${outsiderId}.token-${outsiderId}` };
    expect((await fetch(`${running!.url}/api/rooms/${room}/members`, { headers: asOutsider })).status).toBe(
      403,
    );
    expect((await fetch(`${running!.url}/api/ice-servers`, { headers: asOutsider })).status).toBe(403);
    // A member gets them.
    const asMember = { Authorization: `Peer ${b}.token-${b}` };
    expect((await fetch(`${running!.url}/api/ice-servers`, { headers: asMember })).status).toBe(200);

    // Ids it learned somehow are no way in: nothing is relayed in either direction.
    outsider.send({ type: 'OFFER', dst: a, payload: { v: 1, iv: 'x', ct: 'y' } });
    expect(await outsider.next()).toEqual({ type: 'EXPIRE', src: a, dst: outsiderId });
    outsider.send({ type: 'LEAVE', dst: b, payload: { reason: 'hangup' } });
    second.send({ type: 'CANDIDATE', dst: outsiderId, payload: 'x' });
    expect(await second.next()).toEqual({ type: 'EXPIRE', src: outsiderId, dst: b });

    // The one who started the call leaves: the room is still waiting for whoever has the link.
    await first.close();
    expect(await second.next()).toMatchObject({ type: 'LEAVE', src: a, payload: { reason: 'gone' } });
    expect(await third.next()).toMatchObject({ type: 'LEAVE', src: a, payload: { reason: 'gone' } });
    const status = await fetch(`${running!.url}/api/rooms/${room}`, { headers: admissionHeaders(room) });
    expect(await status.json()).toEqual({ waiting: true });
    // And its id stays its own while it may come back (another token is refused).
    const thief = connect(a, { room }, 'thief-token');
    expect(await thief.next()).toEqual({ type: 'ID-TAKEN', payload: { msg: 'ID is taken' } });
    await sleep(100);
    expect(second.messages).toEqual([]);
    expect(third.messages).toEqual([]);
    expect(outsider.messages).toEqual([]);
  });

  it('keeps a closed id for its token: another token gets ID-TAKEN, the owner gets back in', async () => {
    await start();
    const owner = await join('owner', newRoom(), 'owner-token');
    await owner.close();
    await sleep(50);
    const thief = connect('owner', {}, 'thief-token');
    expect(await thief.next()).toEqual({ type: 'ID-TAKEN', payload: { msg: 'ID is taken' } });
    const back = connect('owner', {}, 'owner-token');
    expect(await back.next()).toEqual({ type: 'OPEN' });
  });
});

describe('TURN credentials', () => {
  const TURN = { turnUrls: ['turn:turn.example.org:3478'], turnSecret: 'coturn-secret' };

  it('are refused without admission: 40 of 40 room-less sockets get 403, none is issued', async () => {
    await start({ ...TURN, maxConnectionsPerIp: 100 }); // 40 sockets and 40 requests from one address
    const statuses = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const client = connect(`stranger-${i}`);
        await client.next(); // OPEN
        const response = await fetch(`${running!.url}/api/ice-servers`, {
          headers: { Authorization: `Peer stranger-${i}.token-stranger-${i}` },
        });
        return response.status;
      }),
    );
    expect(statuses).toEqual(Array(40).fill(403));
    const metrics = parseMetrics(await (await fetch(`${running!.url}/metrics`)).text());
    expect(metrics.get('diyalog_turn_credentials_issued_total')).toBe(0);
    expect(metrics.get('diyalog_turn_credentials_refused_total')).toBe(40);
  });

  it('are rationed per address (TURN_QUOTA_PER_IP) and last 10 minutes by default', async () => {
    await start({ ...TURN, turnQuotaPerIp: 3 });
    await join('member', newRoom(), 'member-token');
    const ask = () =>
      fetch(`${running!.url}/api/ice-servers`, { headers: { Authorization: 'Peer member.member-token' } });
    const answers = [await ask(), await ask(), await ask()];
    for (const answer of answers) expect(answer.status).toBe(200);
    expect(((await answers[0]!.json()) as { ttlSeconds: number }).ttlSeconds).toBe(600);
    const over = await ask();
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toBe('60');
  });
});

describe('credentials out of URLs', () => {
  it('takes the peer token from a subprotocol and answers with diyalog.v1; the query token still works', async () => {
    await start();
    const modern = connect('modern', { tokenInProtocol: true }, 'modern-token');
    expect(await modern.next()).toEqual({ type: 'OPEN' });
    expect(modern.ws.protocol).toBe('diyalog.v1');
    const plain = connect('plain', {}, 'plain-token');
    expect(await plain.next()).toEqual({ type: 'OPEN' });
    const viaHeader = await fetch(`${running!.url}/api/ice-servers`, {
      headers: { Authorization: 'Peer modern.modern-token' },
    });
    expect(viaHeader.status).toBe(200);
    const viaQuery = await fetch(`${running!.url}/api/ice-servers?id=plain&token=plain-token`);
    expect(viaQuery.status).toBe(200);
    const wrong = await fetch(`${running!.url}/api/ice-servers`, {
      headers: { Authorization: 'Peer modern.plain-token' },
    });
    expect(wrong.status).toBe(403);
  });

  it('logs room and peer ids only as keyed hashes by default', async () => {
    const { createDiyalogServer } = await import('../../peer-server/src/app.js');
    const { loadConfig } = await import('../../peer-server/src/config.js');
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (
      lines.push(String(chunk)),
      true
    )) as typeof process.stdout.write;
    const room = newRoom();
    try {
      const server = createDiyalogServer({ ...loadConfig({}, []), port: 0, logIdKey: 'test-key' });
      const { port } = await server.listen();
      const client = RawClient.connect(port, 'visible-peer-id', 'token', 'peerjs', { room });
      await client.next();
      await client.close();
      await eventually(() => lines.some((line) => line.includes('peer-disconnected')), 'the disconnect line');
      await server.close();
    } finally {
      process.stdout.write = write;
    }
    const text = lines.join('');
    expect(text).toContain('room-joined');
    expect(text).not.toContain('visible-peer-id');
    expect(text).not.toContain(room);
  });
});
