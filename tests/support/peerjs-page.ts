import { createRequire } from 'node:module';
import type { Peer } from 'peerjs';
import type { Browser, Page } from 'playwright-core';

/** The stock peerjs client's UMD build: it defines `window.Peer` and needs a browser (RTCPeerConnection). */
const PEERJS_SCRIPT = createRequire(import.meta.url).resolve('peerjs/dist/peerjs.min.js');

declare global {
  interface Window {
    Peer: typeof Peer;
    testPeer: Peer;
  }
}

/**
 * A blank page on the server's own origin (the server refuses WebSocket upgrades from about:blank's `null`
 * origin), with peerjs loaded and a Peer registered as `id` on the server at `serverUrl`. Playwright answers
 * the page's request itself: the server has no test-only routes. A page Playwright made up has no IP address,
 * so Chromium's Local Network Access treats it as public and blocks its socket to loopback unless granted.
 * Page errors and console errors are pushed to `errors`.
 */
export async function openPeerjsPage(
  browser: Browser,
  serverUrl: string,
  id: string,
  errors: string[],
): Promise<Page> {
  const context = await browser.newContext({ permissions: ['local-network-access'] });
  const page = await context.newPage();
  page.on('pageerror', (error) => errors.push(`${id}: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`${id} console: ${message.text()}`);
  });
  const pageUrl = `${serverUrl}/peerjs-test.html`;
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
    { id, port: Number(new URL(serverUrl).port) },
  );
  return page;
}
