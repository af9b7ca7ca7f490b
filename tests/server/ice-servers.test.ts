import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { DiyalogConfig } from '../../peer-server/src/config.js';
import {
  EXTENSION_ORIGIN,
  eventually,
  parseMetrics,
  RawClient,
  ROOM,
  startServer,
  type RunningServer,
} from './helpers.js';

const SECRET = 'coturn-static-auth-secret-for-tests';
const TURN = {
  turnUrls: [
    'stun:turn.example.org:3478',
    'turn:turn.example.org:3478?transport=udp',
    'turns:turn.example.org:5349',
  ],
  turnSecret: SECRET,
  turnTtlSeconds: 600,
};

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

/** A member of a room (admitted with the room's token): TURN credentials are for room members only. */
async function register(id: string, token: string, room: string | undefined = ROOM): Promise<RawClient> {
  const client = await RawClient.register(running!.port, id, token, 'peerjs', room ? { room } : {});
  clients.push(client);
  return client;
}

async function iceServers(query: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${running!.url}/api/ice-servers${query}`, { headers });
  return { status: response.status, headers: response.headers, body: (await response.json()) as unknown };
}

describe('GET /api/ice-servers', () => {
  it('gives a registered peer STUN URLs and TURN credentials that verify with coturn’s HMAC', async () => {
    await start(TURN);
    await register('alice', 'alice-token');
    const before = Math.floor(Date.now() / 1000);
    const { status, headers, body } = await iceServers('?id=alice&token=alice-token');
    expect(status).toBe(200);
    expect(headers.get('cache-control')).toBe('no-store');

    const { iceServers: servers, ttlSeconds } = body as {
      iceServers: { urls: string[]; username?: string; credential?: string }[];
      ttlSeconds: number;
    };
    expect(ttlSeconds).toBe(600);
    expect(servers[0]).toEqual({ urls: ['stun:turn.example.org:3478'] });
    const turn = servers[1]!;
    expect(turn.urls).toEqual(['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:5349']);
    // coturn (use-auth-secret): username "<expiry unix seconds>:<user>", password base64(HMAC-SHA1(secret, username)).
    // The user part is random, not the peer id: coturn logs usernames, and they must not name a call.
    const [expiry, user] = turn.username!.split(':');
    expect(user).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(turn.username).not.toContain('alice');
    expect(Number(expiry)).toBeGreaterThanOrEqual(before + 600);
    expect(Number(expiry)).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 600);
    expect(turn.credential).toBe(createHmac('sha1', SECRET).update(turn.username!).digest('base64'));
    expect(servers).toHaveLength(2);
  });

  it('refuses anyone who is not a registered peer holding its token', async () => {
    await start(TURN);
    const alice = await register('alice', 'alice-token');
    expect((await iceServers('')).status).toBe(401);
    expect((await iceServers('?id=alice')).status).toBe(401);
    expect((await iceServers('?id=alice&token=has%20space')).status).toBe(401);
    expect((await iceServers('?id=alice&id=bob&token=alice-token')).status).toBe(401);
    expect((await iceServers('?id=alice&token=wrong-token')).status).toBe(403);
    expect((await iceServers('?id=nobody&token=alice-token')).status).toBe(403);

    await alice.close();
    await eventually(
      async () => (await iceServers('?id=alice&token=alice-token')).status === 403,
      'credentials to be refused once the peer has gone',
    );
    const issued = parseMetrics(await (await fetch(`${running!.url}/metrics`)).text());
    expect(issued.get('diyalog_turn_credentials_issued_total')).toBe(0);
  });

  it('answers an empty list without TURN settings, still only to registered peers', async () => {
    await start();
    await register('alice', 'alice-token', undefined);
    expect((await iceServers('?id=alice&token=alice-token')).body).toEqual({
      iceServers: [],
      ttlSeconds: 0,
      reconnectLimitSeconds: 60,
    });
    expect((await iceServers('?id=bob&token=bob-token')).status).toBe(403);
  });

  it('hands STUN-only settings out without credentials', async () => {
    await start({ turnUrls: ['stun:stun.example.org:3478'] });
    await register('alice', 'alice-token', undefined);
    expect((await iceServers('?id=alice&token=alice-token')).body).toEqual({
      iceServers: [{ urls: ['stun:stun.example.org:3478'] }],
      ttlSeconds: 0,
      reconnectLimitSeconds: 60,
    });
  });

  it('answers extension pages cross-origin, counts what it issues and logs neither secret nor token', async () => {
    const { url, logs } = await start(TURN);
    await register('alice', 'alice-token');
    const response = await iceServers('?id=alice&token=alice-token', { Origin: EXTENSION_ORIGIN });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(EXTENSION_ORIGIN);
    await iceServers('?id=alice&token=alice-token');
    const metrics = parseMetrics(await (await fetch(`${url}/metrics`)).text());
    expect(metrics.get('diyalog_turn_credentials_issued_total')).toBe(2);
    const logged = JSON.stringify(logs);
    expect(logged).not.toContain(SECRET);
    expect(logged).not.toContain('alice-token');
  });
});
