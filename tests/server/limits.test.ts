import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { DiyalogConfig } from '../../peer-server/src/config.js';
import {
  admissionHeaders,
  EXTENSION_ORIGIN,
  parseMetrics,
  RawClient,
  ROOM,
  startServer,
  upgradeStatus,
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

async function register(id: string, token?: string): Promise<RawClient> {
  const client = await RawClient.register(running!.port, id, token);
  clients.push(client);
  return client;
}

function connect(id: string, token?: string, key?: string, room?: string): RawClient {
  const client = RawClient.connect(running!.port, id, token, key, room === undefined ? {} : { room });
  clients.push(client);
  return client;
}

async function metrics(): Promise<Map<string, number>> {
  return parseMetrics(await (await fetch(`${running!.url}/metrics`)).text());
}

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = { v: value };
  return value;
}

describe('message shape', () => {
  const cases: [string, object, string][] = [
    ['an unknown type', { type: 'HELLO', dst: 'bob' }, 'unknown-type'],
    ['a lowercase type', { type: 'offer', dst: 'bob' }, 'unknown-type'],
    ['no type', { dst: 'bob', payload: {} }, 'unknown-type'],
    ['a numeric type', { type: 7, dst: 'bob' }, 'unknown-type'],
    ['EXPIRE, which only the server sends', { type: 'EXPIRE', dst: 'bob' }, 'unknown-type'],
    ['OFFER without dst', { type: 'OFFER', payload: {} }, 'missing-dst'],
    ['a numeric dst', { type: 'OFFER', dst: 42 }, 'invalid-dst'],
    ['a dst object', { type: 'ANSWER', dst: { id: 'bob' } }, 'invalid-dst'],
    ['a dst with spaces', { type: 'CANDIDATE', dst: 'bob smith' }, 'invalid-dst'],
    ['a 65-character dst', { type: 'CANDIDATE', dst: 'b'.repeat(65) }, 'invalid-dst'],
    ['a payload nested 17 deep', { type: 'OFFER', dst: 'bob', payload: nested(17) }, 'payload-too-deep'],
  ];

  it.each(cases)('answers %s with an ERROR and keeps the socket open', async (_name, frame, reason) => {
    await start();
    const alice = await register('alice');
    const bob = await register('bob');
    alice.send(frame);
    expect(await alice.next()).toEqual({ type: 'ERROR', payload: { msg: reason } });
    alice.send({ type: 'OFFER', dst: 'bob', payload: nested(16) }); // the deepest allowed
    expect(await bob.next()).toEqual({ type: 'OFFER', src: 'alice', dst: 'bob', payload: nested(16) });
    expect(bob.messages).toEqual([]);
    expect((await metrics()).get(`diyalog_frames_rejected_total{reason="${reason}"}`)).toBe(1);
  });

  it('logs a rejection reason once per connection, however many frames', async () => {
    const { logs } = await start();
    const alice = await register('alice');
    for (let i = 0; i < 5; i++) alice.send({ type: 'NOPE' });
    for (let i = 0; i < 5; i++) expect((await alice.next()).type).toBe('ERROR');
    expect(logs.filter((entry) => entry.event === 'frame-rejected')).toEqual([
      { event: 'frame-rejected', id: 'alice', reason: 'unknown-type' },
    ]);
    expect((await metrics()).get('diyalog_frames_rejected_total{reason="unknown-type"}')).toBe(5);
  });
});

describe('rate limit (token bucket per connection)', () => {
  it('drops messages over the burst with ERROR rate-limited, then recovers', async () => {
    await start({ rateLimitPerSecond: 20, rateLimitBurst: 10 });
    const alice = await register('alice');
    const bob = await register('bob');
    for (let i = 0; i < 14; i++) alice.send({ type: 'CANDIDATE', dst: 'bob', payload: i });
    const received = [];
    for (let i = 0; i < 10; i++) received.push((await bob.next()).payload);
    expect(received).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const errors = [];
    for (let i = 0; i < 4; i++) errors.push(await alice.next());
    // A token or so may have come back while the frames were on their way.
    expect(errors.filter((e) => e.type === 'ERROR')).toContainEqual({
      type: 'ERROR',
      payload: { msg: 'rate-limited' },
    });

    await new Promise((resolve) => setTimeout(resolve, 300)); // ~6 tokens back
    bob.messages.splice(0);
    alice.messages.splice(0);
    alice.send({ type: 'CANDIDATE', dst: 'bob', payload: 'after' });
    expect(await bob.next(3000)).toMatchObject({ payload: 'after' });
    expect((await metrics()).get('diyalog_messages_rate_limited_total')).toBeGreaterThanOrEqual(1);
  });

  it('closes a connection that keeps flooding (1008), and others are unaffected', async () => {
    const { logs } = await start({ rateLimitPerSecond: 20, rateLimitBurst: 10 });
    const alice = await register('alice');
    const bob = await register('bob');
    const flooder = await register('flooder');
    for (let i = 0; i < 200; i++) flooder.send({ type: 'OFFER', dst: 'bob', payload: i });
    expect(await flooder.closedWithin()).toEqual({ code: 1008, reason: 'rate-limited' });
    expect(logs).toContainEqual({ event: 'rate-limited', id: 'flooder', closed: true });

    bob.messages.splice(0);
    alice.send({ type: 'OFFER', dst: 'bob', payload: 'honest' });
    expect(await bob.next()).toEqual({ type: 'OFFER', src: 'alice', dst: 'bob', payload: 'honest' });
  });
});

describe('per-IP connection cap', () => {
  it('refuses connections over MAX_CONNECTIONS_PER_IP with ERROR too-many-connections', async () => {
    await start({ maxConnectionsPerIp: 3 });
    const first = await register('one');
    await register('two');
    await register('three');
    const fourth = connect('four');
    expect(await fourth.next()).toEqual({ type: 'ERROR', payload: { msg: 'too-many-connections' } });
    expect((await fourth.closedWithin()).code).toBe(1008);
    expect((await metrics()).get('diyalog_connections_rejected_total{reason="too-many-connections"}')).toBe(
      1,
    );

    await first.close();
    // The server counts the slot free once it has seen the close.
    let again: RawClient | undefined;
    for (let attempt = 0; attempt < 20 && !again; attempt++) {
      const client = connect('four');
      if ((await client.next()).type === 'OPEN') again = client;
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(again).toBeDefined();
  });

  it('counts the X-Forwarded-For client behind TRUST_PROXY proxies, not the proxy', async () => {
    const { port } = await start({ maxConnectionsPerIp: 1, trustProxy: 1 });
    const sockets: WebSocket[] = [];
    const firstMessage = (forwardedFor: string, id: string) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/signal/peerjs?key=peerjs&id=${id}&token=t`, {
        headers: { 'X-Forwarded-For': forwardedFor },
      });
      sockets.push(ws);
      return new Promise<unknown>((resolve) =>
        ws.once('message', (data) => resolve(JSON.parse(String(data)))),
      );
    };
    try {
      expect(await firstMessage('203.0.113.7', 'a')).toEqual({ type: 'OPEN' });
      // Whatever the client wrote left of the entry our proxy appended does not count.
      expect(await firstMessage('203.0.113.7, 198.51.100.9', 'b')).toEqual({ type: 'OPEN' });
      expect(await firstMessage('198.51.100.1, 203.0.113.7', 'c')).toEqual({
        type: 'ERROR',
        payload: { msg: 'too-many-connections' },
      });
    } finally {
      for (const ws of sockets) ws.terminate();
    }
  });
});

describe('a peer that does not read', () => {
  it('is not sent more than its buffer holds: heavy senders get EXPIRE, light ones still get through', async () => {
    await start({ rateLimitBurst: 1000, rateLimitPerSecond: 1000 });
    const alice = await register('alice');
    const bob = await register('bob');
    const mallory = await register('mallory');
    bob.ws.pause(); // stops reading: the kernel's buffers fill, then the server's
    const big = 'x'.repeat(60 * 1024);
    for (let i = 0; i < 600 && mallory.messages.length === 0; i++) {
      mallory.send({ type: 'OFFER', dst: 'bob', payload: big });
      if (i % 20 === 19) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(await mallory.next(5000)).toEqual({ type: 'EXPIRE', src: 'bob', dst: 'mallory' });
    expect((await metrics()).get('diyalog_frames_rejected_total{reason="destination-busy"}')).toBeGreaterThan(
      0,
    );

    alice.send({ type: 'CANDIDATE', dst: 'bob', payload: 'small and honest' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(alice.messages).toEqual([]);
    bob.ws.resume();
    for (;;) {
      const message = await bob.next(5000);
      if (message.src === 'alice') {
        expect(message.payload).toBe('small and honest');
        break;
      }
    }
  });
});

describe('ids, tokens, rooms and keys in the socket URL', () => {
  const bad: [string, string, string, string | undefined, string][] = [
    ['an id with a space', 'a b', 'token', undefined, 'invalid-id'],
    ['a 65-character id', 'a'.repeat(65), 'token', undefined, 'invalid-id'],
    ['a non-ASCII id', 'ünïcode', 'token', undefined, 'invalid-id'],
    ['an empty id', '', 'token', undefined, 'invalid-id'],
    ['a token with a slash', 'alice', 'to/ken', undefined, 'invalid-id'],
    ['an empty token', 'alice', '', undefined, 'invalid-id'],
    ['a short room', 'alice', 'token', 'short', 'invalid-room'],
    ['a room with a dot', 'alice', 'token', 'AbCdEfGhIjKlMnOpQrSt.U', 'invalid-room'],
  ];

  it.each(bad)('refuses %s with an ERROR and a close', async (_name, id, token, room, reason) => {
    await start();
    const client = connect(id, token, 'peerjs', room);
    expect(await client.next()).toEqual({ type: 'ERROR', payload: { msg: reason } });
    expect((await client.closedWithin()).code).toBe(1008);
    expect((await metrics()).get(`diyalog_connections_rejected_total{reason="${reason}"}`)).toBe(1);
  });

  it('accepts UUIDs and 64-character ids as plain peerjs clients make them', async () => {
    await start();
    await register('3f0c1c9e-5d2a-4c1b-9a7e-0b6f4e2d1c3a', 'k3j4h5l6');
    await register('x'.repeat(64), 'y'.repeat(64));
  });

  it('refuses a wrong key with the stock PeerJS wording', async () => {
    await start();
    const client = connect('carol', 'token', 'wrong');
    expect(await client.next()).toEqual({ type: 'ERROR', payload: { msg: 'Invalid key provided' } });
  });
});

describe('Origin allow-list', () => {
  async function statusFor(origin: string | undefined, overrides: Partial<DiyalogConfig> = {}) {
    const { port } = await start(overrides);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/signal/peerjs?key=peerjs&id=someone&token=t`, {
      headers: origin === undefined ? {} : { Origin: origin },
    });
    const status = await upgradeStatus(ws);
    ws.terminate();
    await running!.server.close();
    running = undefined;
    return status;
  }

  it('accepts our extension, any Firefox extension, our own origins, configured extras and no Origin', async () => {
    expect(await statusFor(EXTENSION_ORIGIN)).toBe(101);
    expect(await statusFor('moz-extension://0c7b5c5e-3f1d-4b8e-9a51-7e0e5d3b2a10')).toBe(101);
    expect(
      await statusFor('https://calls.example.org', { publicUrl: 'https://calls.example.org/diyalog' }),
    ).toBe(101);
    expect(await statusFor('https://app.example.net', { allowedOrigins: ['https://app.example.net'] })).toBe(
      101,
    );
    expect(await statusFor(undefined)).toBe(101);
    const { port } = await start();
    const own = new WebSocket(`ws://127.0.0.1:${port}/signal/peerjs?key=peerjs&id=own&token=t`, {
      headers: { Origin: `http://127.0.0.1:${port}` },
    });
    expect(await upgradeStatus(own)).toBe(101);
    own.terminate();
  });

  it.each([
    'https://evil.example',
    'null',
    'chrome-extension://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    'http://127.0.0.1:1',
    'moz-extension://not-a-uuid',
  ])('refuses an upgrade from Origin %s with 403', async (origin) => {
    const { port, logs } = await start();
    const ws = new WebSocket(`ws://127.0.0.1:${port}/signal/peerjs?key=peerjs&id=x&token=t`, {
      headers: { Origin: origin },
    });
    expect(await upgradeStatus(ws)).toBe(403);
    ws.terminate();
    expect((await metrics()).get('diyalog_connections_rejected_total{reason="origin-not-allowed"}')).toBe(1);
    expect(logs).toContainEqual({ event: 'connection-rejected', reason: 'origin-not-allowed' });
  });

  it('answers cross-origin API reads from allowed origins only (CORS)', async () => {
    const { url } = await start();
    const allowed = await fetch(`${url}/api/rooms/${ROOM}`, {
      headers: { Origin: EXTENSION_ORIGIN, ...admissionHeaders(ROOM) },
    });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(EXTENSION_ORIGIN);
    expect(allowed.headers.get('vary')).toMatch(/Origin/);

    const preflight = await fetch(`${url}/api/ice-servers?id=a&token=b`, {
      method: 'OPTIONS',
      headers: { Origin: EXTENSION_ORIGIN, 'Access-Control-Request-Method': 'GET' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET');
    // Credentials ride in the Authorization header, so a preflight must allow it.
    expect(preflight.headers.get('access-control-allow-headers')).toBe('Authorization');

    for (const path of [`/api/rooms/${ROOM}`, '/api/ice-servers?id=a&token=b', '/signal/peerjs/id']) {
      const refused = await fetch(url + path, { headers: { Origin: 'https://evil.example' } });
      expect(refused.status).toBe(403);
      expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    }
  });
});

describe('messages for ids that are not connected', () => {
  it('holds a bounded number per destination and says EXPIRE at once beyond it', async () => {
    await start({ rateLimitBurst: 500 });
    const alice = await register('alice');
    for (let i = 0; i < 70; i++) alice.send({ type: 'CANDIDATE', dst: 'later', payload: i });
    expect(await alice.next(1000)).toEqual({ type: 'EXPIRE', src: 'later', dst: 'alice' });

    // The held ones are delivered, in order, when the id connects.
    const later = await register('later');
    const payloads = [];
    for (let i = 0; i < 64; i++) payloads.push((await later.next()).payload);
    expect(payloads).toEqual(Array.from({ length: 64 }, (_, i) => i));
  });
});
