import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  framesAdvancing,
  launchPlain,
  launchWithExtension,
  type ExtensionBrowser,
} from '../support/chromium.js';
import { joinCall, startWaitingCall } from '../support/call-flow.js';
import { startStaticJoinPage, type RunningNginx } from '../support/nginx.js';
import { freeLoopbackPort } from '../support/redis.js';
import { startServer } from '../support/server.js';
import { HASH_WORKER_CSP } from '../../peer-server/src/security-headers.js';

const DIST_WEB = resolve(import.meta.dirname, '../../dist-web');
const status = (page: Page) => page.getByRole('status').first();

/**
 * JOIN_PAGE_URL: the operator serves the join page as static files from an origin of its own (nginx here),
 * and the signaling server only relays. The invite link opens there and names the server in its fragment.
 */
describe('a join page served apart from the signaling server (JOIN_PAGE_URL)', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let pages: RunningNginx;
  let host: ExtensionBrowser;
  let guest: Awaited<ReturnType<typeof launchPlain>>;

  beforeAll(async () => {
    const port = await freeLoopbackPort();
    pages = await startStaticJoinPage(DIST_WEB, `http://127.0.0.1:${port}`);
    server = await startServer({ PORT: String(port), JOIN_PAGE_URL: pages.url });
    [host, guest] = await Promise.all([launchWithExtension({ serverUrl: server.url }), launchPlain()]);
  });
  afterAll(async () => {
    await Promise.all([host?.close(), guest?.browser.close()]);
    await server?.close();
    await pages?.stop();
  });

  test('the link opens the static page, which calls through the server; the server serves no join page', async () => {
    // The user sets the join page in the options page, as the operator told them.
    const options = await host.open('options.html');
    await options.getByLabel('Join page URL (optional)').fill(`${pages.url}/`);
    await options.getByRole('button', { name: 'Save join page' }).click();
    await options.getByRole('status').getByText('Join page URL saved.').waitFor();
    await options.close();

    const panel = await host.open('sidepanel.html');
    const link = await startWaitingCall(panel);
    const serverParam = encodeURIComponent(server.url);
    expect(link).toMatch(
      new RegExp(`^${pages.url}/join/([A-Za-z0-9_-]{22})#s=[A-Za-z0-9_-]{22}&server=${serverParam}$`),
    );
    const room = /\/join\/([^#]+)#/.exec(link)![1]!;
    const served = await fetch(`${server.url}/join/${room}`);
    expect(served.status).toBe(404);
    expect(await served.text()).toContain(`invite links open at ${pages.url}/join/`);

    await joinCall(guest.page, link);
    await expect.poll(() => status(guest.page).textContent(), { timeout: 15_000 }).toBe('Connected');
    await expect.poll(() => status(panel).textContent(), { timeout: 10_000 }).toBe('Connected');
    expect(await framesAdvancing(guest.page, 'Remote video')).toBeGreaterThan(0);
    expect(await framesAdvancing(panel, 'Remote video')).toBeGreaterThan(0);
    // The page came from the static origin, and the secret and the server left its address bar.
    expect(guest.page.url()).toBe(`${pages.url}/join/${room}`);
    // Its file hashing worker comes with the policy the server gives it (WebAssembly, nothing else), and
    // hashes in WebAssembly under it.
    const worker = readdirSync(resolve(DIST_WEB, 'join/assets')).find((f) =>
      /^sha256-worker-.*\.js$/.test(f),
    );
    const workerUrl = `${pages.url}/join/assets/${worker}`;
    const workerServed = await fetch(workerUrl);
    expect(workerServed.headers.get('content-security-policy')).toBe(HASH_WORKER_CSP);
    expect(workerServed.headers.get('x-content-type-options')).toBe('nosniff');
    const engine = await guest.page.evaluate(
      (url) =>
        new Promise((resolve, reject) => {
          const w = new Worker(url, { type: 'module' });
          w.onmessage = (e: MessageEvent<unknown>) => resolve(e.data);
          w.onerror = () => reject(new Error('the hashing worker failed'));
          w.postMessage('engine');
        }),
      workerUrl,
    );
    expect(engine).toBe('wasm');
    await panel.getByRole('button', { name: 'Hang up' }).click();
    await expect
      .poll(() => status(guest.page).textContent(), { timeout: 10_000 })
      .toBe('Call ended — the other person hung up');
  });
});
