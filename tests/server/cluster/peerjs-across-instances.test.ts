import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, chromiumArgs } from '../../support/chromium.js';
import { openPeerjsPage } from '../../support/peerjs-page.js';
import { startRedis, type RunningRedis } from '../../support/redis.js';
import { startServerProcess, stopOnExit, type ServerProcess } from '../../support/resilience.js';

/** The stock peerjs client, unchanged, with its two peers registered on different instances on one Redis. */
const openPeer = (id: string, server: ServerProcess): Promise<Page> =>
  openPeerjsPage(browser, server.url, id, pageErrors);

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
