import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  eventually,
  FAKE_ASSET,
  FAKE_JOIN_HTML,
  makeJoinDir,
  RawClient,
  admissionHeaders,
  admissionOf,
  OTHER_ROOM,
  ROOM,
  startServer,
  type RunningServer,
} from './helpers.js';

let joinDir: Awaited<ReturnType<typeof makeJoinDir>>;
let running: RunningServer | undefined;
const clients: RawClient[] = [];

beforeAll(async () => {
  joinDir = await makeJoinDir();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await running?.server.close();
  running = undefined;
});
afterAll(() => joinDir.remove());

async function start(overrides = {}): Promise<RunningServer> {
  running = await startServer({ joinDir: joinDir.dir, ...overrides });
  return running;
}

describe('HTTP routes', () => {
  it('GET /health answers 200 JSON with the peer count', async () => {
    const { url, port } = await start();
    const response = await fetch(`${url}/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ status: 'ok', peers: 0, uptimeSeconds: expect.any(Number) });

    clients.push(await RawClient.register(port, 'somebody'));
    expect(await (await fetch(`${url}/health`)).json()).toMatchObject({ peers: 1 });
  });

  it('serves the join page for a well-formed room, with security headers', async () => {
    const { url } = await start();
    const response = await fetch(`${url}/join/${ROOM}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toBe(FAKE_JOIN_HTML);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    // Connections only to this server (its public origin, HTTP and WebSocket): not to any ws: host.
    expect(csp).toContain("connect-src 'self' http://127.0.0.1:9000 ws://127.0.0.1:9000;");
    expect(csp).not.toMatch(/connect-src[^;]*\bwss?:(\s|;)/);
    expect(csp).toContain("media-src 'self' blob: data:");
    expect(response.headers.get('x-powered-by')).toBeNull();
  });

  it.each(['short', `${ROOM}x`, 'AbCdEfGhIjKlMnOpQrSt.!', `${ROOM}/extra`, ''])(
    'answers /join/%s with the same page but status 404',
    async (path) => {
      const { url } = await start();
      const response = await fetch(`${url}/join/${path}`);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await response.text()).toBe(FAKE_JOIN_HTML);
    },
  );

  it('serves built assets with long-lived cache headers, and 404 for missing ones', async () => {
    const { url } = await start();
    const asset = await fetch(`${url}/join/assets/app-1a2b3c.js`);
    expect(asset.status).toBe(200);
    expect(await asset.text()).toBe(FAKE_ASSET);
    expect(asset.headers.get('cache-control')).toContain('immutable');

    const missing = await fetch(`${url}/join/assets/nope.js`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).not.toMatch(/at .*\.js/); // no stack trace
  });

  it("lets only the hashing worker compile WebAssembly: its CSP allows 'wasm-unsafe-eval' and nothing else", async () => {
    const { url } = await start();
    const worker = await fetch(`${url}/join/assets/sha256-worker-DJm8z6ny.js`);
    expect(worker.status).toBe(200);
    expect(worker.headers.get('content-security-policy')).toBe(
      "default-src 'none'; script-src 'wasm-unsafe-eval'; frame-ancestors 'none'",
    );
    const other = await fetch(`${url}/join/assets/app-1a2b3c.js`);
    expect(other.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    const page = await fetch(`${url}/join/${ROOM}`);
    expect(page.headers.get('content-security-policy')).not.toContain('wasm');
  });

  it('answers 503 under /join until the join page is built', async () => {
    const { url } = await start({ joinDir: join(joinDir.dir, 'not-built') });
    for (const path of [`/join/${ROOM}`, '/join/assets/app-1a2b3c.js']) {
      const response = await fetch(url + path);
      expect(response.status).toBe(503);
      expect(await response.text()).toContain('run npm run build');
    }
  });

  it('GET /api/rooms/:room says whether the host (peer id = room id) is connected', async () => {
    const { url, port } = await start();
    const waiting = async () =>
      (
        (await (await fetch(`${url}/api/rooms/${ROOM}`, { headers: admissionHeaders(ROOM) })).json()) as {
          waiting: boolean;
        }
      ).waiting;
    expect(await waiting()).toBe(false);
    // Knowing the room id (the link's path) is not enough to ask: the admission token is.
    expect((await fetch(`${url}/api/rooms/${ROOM}`)).status).toBe(403);
    const wrong = { Authorization: `Admission ${admissionOf(OTHER_ROOM)}` };
    expect((await fetch(`${url}/api/rooms/${ROOM}`, { headers: wrong })).status).toBe(403);

    const host = await RawClient.register(port, ROOM);
    expect(await waiting()).toBe(true);

    await host.close();
    await eventually(async () => !(await waiting()), 'the room to empty after the host left');
    expect((await fetch(`${url}/api/rooms/not-a-room`)).status).toBe(400);
  });

  it('with JOIN_PAGE_URL serves no join page (404 naming where they are) and lets that origin use the API', async () => {
    const { url } = await start({ joinPageUrl: 'https://join.example.net' });
    for (const path of [`/join/${ROOM}`, '/join/assets/app-1a2b3c.js']) {
      const response = await fetch(url + path);
      expect(response.status).toBe(404);
      expect(await response.text()).toContain('invite links open at https://join.example.net/join/');
    }
    const headers = { Origin: 'https://join.example.net', ...admissionHeaders(ROOM) };
    const status = await fetch(`${url}/api/rooms/${ROOM}`, { headers });
    expect(status.status).toBe(200);
    expect(status.headers.get('access-control-allow-origin')).toBe('https://join.example.net');
    const other = { Origin: 'https://elsewhere.example.net', ...admissionHeaders(ROOM) };
    expect((await fetch(`${url}/api/rooms/${ROOM}`, { headers: other })).status).toBe(403);
  });

  it('keeps the PeerJS HTTP API under /signal/peerjs', async () => {
    const { url } = await start();
    const response = await fetch(`${url}/signal/peerjs/id`);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers other paths with 404', async () => {
    const { url } = await start();
    expect((await fetch(`${url}/nothing-here`)).status).toBe(404);
  });
});

describe('WebSocket upgrades', () => {
  it('refuses an upgrade on any path but /signal/peerjs with 404', async () => {
    const { port } = await start();
    const ws = new WebSocket(`ws://127.0.0.1:${port}/somewhere-else?key=peerjs&id=x&token=y`);
    const status = await new Promise<number | undefined>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode));
      ws.on('open', () => resolve(101));
      ws.on('error', () => resolve(undefined));
    });
    ws.terminate();
    expect(status).toBe(404);
  });

  it('tells connected sockets on close(): ERROR server-shutting-down, then 1001', async () => {
    const { server, port, url } = await start();
    const client = await RawClient.register(port, 'leaving');
    await server.close();
    running = undefined;
    expect(await client.next()).toEqual({ type: 'ERROR', payload: { msg: 'server-shutting-down' } });
    expect((await client.closedWithin()).code).toBe(1001);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
    await server.close(); // a second close is harmless
  });

  it('logs ids only, as typed events', async () => {
    const { port, logs } = await start();
    const client = await RawClient.register(port, 'logged', 'very-secret-token');
    await client.close();
    await eventually(() => logs.some((entry) => entry.event === 'peer-disconnected'), 'the disconnect log');
    expect(logs).toEqual([
      { event: 'server-started', url: expect.any(String), publicUrl: expect.any(String), store: 'memory' },
      { event: 'peer-connected', id: 'logged' },
      { event: 'peer-disconnected', id: 'logged' },
    ]);
    expect(JSON.stringify(logs)).not.toContain('very-secret-token');
  });
});
