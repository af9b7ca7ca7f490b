import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, chromiumArgs } from '../support/chromium.js';
import { openPeerjsPage } from '../support/peerjs-page.js';
import { startServer, type RunningServer } from './helpers.js';

/** The stock peerjs client in Chromium, registered on our server. */
const openPeer = (id: string): Promise<Page> => openPeerjsPage(browser, running.url, id, pageErrors);

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
