import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Peer } from 'peerjs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, chromiumArgs } from '../support/chromium.js';
import { startServer, type RunningServer } from './helpers.js';

/** The peerjs client needs a browser (RTCPeerConnection); its UMD build defines `window.Peer`. */
const PEERJS_SCRIPT = createRequire(import.meta.url).resolve('peerjs/dist/peerjs.min.js');

declare global {
  interface Window {
    Peer: typeof Peer;
    testPeer: Peer;
  }
}

let browser: Browser;
let running: RunningServer;
const pageErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}`);
  [browser, running] = await Promise.all([
    chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: chromiumArgs(),
    }),
    startServer(),
  ]);
});
afterAll(async () => {
  await browser?.close();
  await running?.server.close();
});

/**
 * A blank page on the server's own origin (the server refuses WebSocket upgrades from about:blank's `null`
 * origin), with peerjs loaded and a Peer registered as `id` on our server. Playwright answers the page's
 * request itself: the server has no test-only routes. A page Playwright made up has no IP address, so
 * Chromium's Local Network Access treats it as public and blocks its socket to loopback unless granted.
 */
async function openPeer(id: string): Promise<Page> {
  const context = await browser.newContext({ permissions: ['local-network-access'] });
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(`${id}: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(`${id} console: ${message.text()}`);
  });
  const pageUrl = `${running.url}/peerjs-test.html`;
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
        const timer = setTimeout(
          () => reject(new Error(`peer ${id}: no 'open' from the server in 10 s`)),
          10_000,
        );
        peer.on('open', () => {
          clearTimeout(timer);
          resolve();
        });
        peer.on('error', (error) => {
          clearTimeout(timer);
          reject(new Error(`peer ${id}: ${error.type} ${error.message}`));
        });
      }),
    { id, port: running.port },
  );
  return page;
}

describe('the real peerjs client (1.5, in Chromium)', () => {
  it('registers through our server and opens a DataConnection to another peer', async () => {
    const suffix = Math.random().toString(36).slice(2, 10);
    const [alice, bob] = await Promise.all([openPeer(`alice${suffix}`), openPeer(`bob${suffix}`)]);
    expect(await (await fetch(`${running.url}/health`)).json()).toMatchObject({ peers: 2 });

    // Bob waits for a connection and its first message; started before Alice dials.
    const received = bob.evaluate(
      () =>
        new Promise<{ from: string; data: unknown }>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error('bob: no message over the DataConnection in 15 s')),
            15_000,
          );
          window.testPeer.on('connection', (conn) => {
            conn.on('data', (data) => {
              clearTimeout(timer);
              resolve({ from: conn.peer, data });
            });
          });
        }),
    );
    await alice.evaluate(
      (bobId) =>
        new Promise<void>((resolve, reject) => {
          const conn = window.testPeer.connect(bobId, { reliable: true });
          const timer = setTimeout(
            () => reject(new Error('alice: DataConnection did not open in 15 s')),
            15_000,
          );
          conn.on('open', () => {
            clearTimeout(timer);
            conn.send({ hello: 'bob', n: 42 });
            resolve();
          });
          conn.on('error', (error) => reject(new Error(`alice: ${error.message}`)));
        }),
      `bob${suffix}`,
    );

    expect(await received).toEqual({ from: `alice${suffix}`, data: { hello: 'bob', n: 42 } });
    expect(pageErrors).toEqual([]);
    expect(
      running.logs.filter(
        (entry) =>
          entry.event === 'frame-rejected' ||
          entry.event === 'connection-rejected' ||
          entry.event === 'rate-limited',
      ),
    ).toEqual([]);
  });
});
