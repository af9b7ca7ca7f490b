import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Peer } from 'peerjs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, chromiumArgs } from '../../support/chromium.js';
import { startRedis, type RunningRedis } from '../../support/redis.js';
import { startServerProcess, stopOnExit, type ServerProcess } from '../../support/resilience.js';

/** The stock peerjs client, unchanged, with its two peers registered on different instances on one Redis. */
const PEERJS_SCRIPT = createRequire(import.meta.url).resolve('peerjs/dist/peerjs.min.js');

declare global {
  interface Window {
    Peer: typeof Peer;
    testPeer: Peer;
  }
}

let browser: Browser;
let redis: RunningRedis;
let instances: ServerProcess[];
const pageErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}`);
  redis = await startRedis();
  const instance = (name: string) => startServerProcess({ env: { REDIS_URL: redis.url, INSTANCE_ID: name } });
  [browser, ...instances] = await Promise.all([
    chromium.launch({ executablePath: CHROMIUM, headless: true, args: chromiumArgs() }),
    instance('a'),
    instance('b'),
  ]);
  instances.forEach(stopOnExit);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await Promise.allSettled((instances ?? []).map((server) => server.stop()));
  await redis?.stop();
});

/** As in peerjs-client.test.ts: a blank page on the instance's own origin, with a Peer registered there. */
async function openPeer(id: string, server: ServerProcess): Promise<Page> {
  const context = await browser.newContext({ permissions: ['local-network-access'] });
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(`${id}: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(`${id} console: ${message.text()}`);
  });
  const pageUrl = `${server.url}/peerjs-test.html`;
  await page.route(pageUrl, (route) =>
    route.fulfill({
      status: 200,
      contentType: 'text/html',
      body: '<!doctype html><title>peerjs test</title>',
    }),
  );
  await page.goto(pageUrl);
  await page.addScriptTag({ path: PEERJS_SCRIPT });
  await page.evaluate(
    ({ id, port }) =>
      new Promise<void>((resolve, reject) => {
        const peer = new window.Peer(id, {
          host: '127.0.0.1',
          port,
          path: '/signal',
          key: 'peerjs',
          config: { iceServers: [] },
          debug: 1,
        });
        window.testPeer = peer;
        const timer = setTimeout(() => reject(new Error(`peer ${id}: no 'open' in 10 s`)), 10_000);
        peer.on('open', () => {
          clearTimeout(timer);
          resolve();
        });
        peer.on('error', (error) => {
          clearTimeout(timer);
          reject(new Error(`peer ${id}: ${error.type} ${error.message}`));
        });
      }),
    { id, port: server.port },
  );
  return page;
}

describe('the real peerjs client (1.5, in Chromium) across two instances', () => {
  it('opens a DataConnection between peers registered on different instances', async () => {
    const [a, b] = instances as [ServerProcess, ServerProcess];
    const [alice, bob] = await Promise.all([openPeer('alice', a), openPeer('bob', b)]);
    expect(await (await fetch(`${a.url}/health`)).json()).toMatchObject({ peers: 1, instance: 'a' });
    expect(await (await fetch(`${b.url}/health`)).json()).toMatchObject({ peers: 1, instance: 'b' });
    const received = bob.evaluate(
      () =>
        new Promise<{ from: string; data: unknown }>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('bob: no message in 15 s')), 15_000);
          window.testPeer.on('connection', (conn) => {
            conn.on('data', (data) => {
              clearTimeout(timer);
              resolve({ from: conn.peer, data });
            });
          });
        }),
    );
    await alice.evaluate(
      () =>
        new Promise<void>((resolve, reject) => {
          const conn = window.testPeer.connect('bob', { reliable: true });
          const timer = setTimeout(() => reject(new Error('alice: no open in 15 s')), 15_000);
          conn.on('open', () => {
            clearTimeout(timer);
            conn.send({ hello: 'bob', across: 'instances' });
            resolve();
          });
          conn.on('error', (error) => reject(new Error(`alice: ${error.message}`)));
        }),
    );
    expect(await received).toEqual({ from: 'alice', data: { hello: 'bob', across: 'instances' } });
    expect(pageErrors).toEqual([]);
    const rejected = (server: ServerProcess) =>
      server.events.filter((e) =>
        ['frame-rejected', 'connection-rejected', 'rate-limited'].includes(e.event),
      );
    expect([...rejected(a), ...rejected(b)]).toEqual([]);
    // The offer, answer and candidates went through Redis: b received alice's frames over the bus.
    const metrics = await (await fetch(`${b.url}/metrics`)).text();
    expect(
      Number(/diyalog_bus_frames_received_total\{instance="b"\} (\d+)/.exec(metrics)?.[1]),
    ).toBeGreaterThan(0);
  });
});
