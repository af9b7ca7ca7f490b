/**
 * npm run bench:call — time from the guest's "Join call" click to the first decoded remote frame on each
 * side, for Diyalog (extension side panel ↔ join page) and for a baseline made of the `peerjs` client's own
 * MediaConnection against the same server, interleaved in one run between the same two Chromium processes.
 *   BENCH_CALLS=20 (per variant)
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { launchPlain, launchWithExtension } from '../tests/support/chromium.js';
import { startWaitingCall } from '../tests/support/call-flow.js';
import { startServer } from '../tests/support/server.js';
import { formatRow, HEADER, summarize } from './lib/summary.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 20);
const peerjsSource = readFileSync(
  createRequire(import.meta.url).resolve('peerjs/dist/peerjs.min.js'),
  'utf8',
);

/** In the page: a promise of the wall-clock time (ms) of the first frame the labelled video presents. */
const WATCH_FIRST_FRAME = `window.__firstFrame = new Promise((resolve) => {
  const watch = () => {
    const v = document.querySelector('video[aria-label="Remote video"]');
    if (v) v.requestVideoFrameCallback((_now, meta) => resolve(performance.timeOrigin + meta.presentationTime));
    else setTimeout(watch, 2);
  };
  watch();
}); 0;`;

/** In the page: the wall-clock time of the next trusted click on the matching button. */
const WATCH_CLICK = `window.__clicked = new Promise((resolve) => addEventListener('click',
  (e) => { if (e.isTrusted && e.target.closest('button')?.textContent.trim() === 'Join call') resolve(performance.timeOrigin + e.timeStamp); },
  { capture: true })); 0;`;

interface Timing {
  readonly guest: number;
  readonly host: number;
}

async function measure(host: Page, guest: Page): Promise<Timing> {
  await guest.evaluate(WATCH_CLICK);
  await Promise.all([host.evaluate(WATCH_FIRST_FRAME), guest.evaluate(WATCH_FIRST_FRAME)]);
  await guest.getByRole('button', { name: 'Join call' }).click();
  const [clicked, guestFrame, hostFrame] = await Promise.all([
    guest.evaluate('window.__clicked') as Promise<number>,
    guest.evaluate('window.__firstFrame') as Promise<number>,
    host.evaluate('window.__firstFrame') as Promise<number>,
  ]);
  return { guest: guestFrame - clicked, host: hostFrame - clicked };
}

async function diyalogCall(panel: Page, guest: Page): Promise<Timing> {
  const link = await startWaitingCall(panel);
  await guest.goto(link);
  // As a user would: the page opens, the preview shows, then they click.
  await guest.getByRole('button', { name: 'Join call' }).and(guest.locator(':enabled')).waitFor();
  await guest.waitForTimeout(300);
  const timing = await measure(panel, guest);
  await guest.getByRole('button', { name: 'Hang up' }).click();
  await panel.getByRole('button', { name: 'Start a new call' }).waitFor();
  return timing;
}

/** The baseline: peerjs's own MediaConnection, camera and socket also opened before the click. */
const BASELINE_PAGE = (role: 'host' | 'guest', port: number, hostId: string) => `<!doctype html><html><body>
<video aria-label="Remote video" autoplay playsinline muted></video>
${role === 'guest' ? '<button disabled>Join call</button>' : ''}
<script>${peerjsSource}</script>
<script>
  const opts = { host: '127.0.0.1', port: ${port}, path: '/signal', key: 'peerjs', config: { iceServers: [] } };
  const video = document.querySelector('video');
  const show = (call) => call.on('stream', (s) => { video.srcObject = s; });
  const local = navigator.mediaDevices.getUserMedia({ audio: true, video: { width: { ideal: 1280 }, height: { ideal: 720 } } });
  const peer = new Peer(${role === 'host' ? `'${hostId}'` : 'undefined'}, opts);
  window.ready = Promise.all([local, new Promise((r) => peer.on('open', r))]);
  ${
    role === 'host'
      ? `peer.on('call', async (call) => { call.answer(await local); show(call); window.current = call; });`
      : `window.ready.then(() => { const b = document.querySelector('button'); b.disabled = false;
           b.onclick = async () => { const call = peer.call('${hostId}', await local); show(call); window.current = call; }; });`
  }
</script></body></html>`;

async function baselineCall(
  hostPage: Page,
  guest: Page,
  serverUrl: string,
  port: number,
  n: number,
): Promise<Timing> {
  const hostId = `bench${n}x${Math.random().toString(36).slice(2, 10)}`;
  for (const [page, role] of [
    [hostPage, 'host'],
    [guest, 'guest'],
  ] as const) {
    const url = `${serverUrl}/bench-baseline-${role}.html`;
    await page.route(url, (route) =>
      route.fulfill({ contentType: 'text/html', body: BASELINE_PAGE(role, port, hostId) }),
    );
    await page.goto(url);
    await page.evaluate('window.ready.then(() => 0)');
    await page.unroute(url);
  }
  await guest.waitForTimeout(300);
  const timing = await measure(hostPage, guest);
  await Promise.all([hostPage.goto('about:blank'), guest.goto('about:blank')]);
  return timing;
}

const server = await startServer();
const hostBrowser = await launchWithExtension({ serverUrl: server.url });
const guestBrowser = await launchPlain();
try {
  const panel = await hostBrowser.open('sidepanel.html');
  const baselineHost = await hostBrowser.context.newPage();
  // Chromium treats a page Playwright fulfils as public, and blocks its socket to loopback without this.
  for (const context of [hostBrowser.context, guestBrowser.page.context()]) {
    await context.grantPermissions(['local-network-access'], { origin: server.url });
  }
  const ours: Timing[] = [];
  const baseline: Timing[] = [];
  // One warm-up of each, not counted (first compile, first camera start).
  await diyalogCall(panel, guestBrowser.page);
  await baselineCall(baselineHost, guestBrowser.page, server.url, server.port, 0);
  for (let i = 1; i <= CALLS; i++) {
    await panel.bringToFront();
    ours.push(await diyalogCall(panel, guestBrowser.page));
    await baselineHost.bringToFront();
    baseline.push(await baselineCall(baselineHost, guestBrowser.page, server.url, server.port, i));
    process.stderr.write(`\rcall ${i}/${CALLS}`);
  }
  process.stderr.write('\n');
  const rows = {
    'Diyalog — guest sees host': summarize(ours.map((t) => t.guest)),
    'peerjs baseline — guest sees host': summarize(baseline.map((t) => t.guest)),
    'Diyalog — host sees guest': summarize(ours.map((t) => t.host)),
    'peerjs baseline — host sees guest': summarize(baseline.map((t) => t.host)),
  };
  console.log(`\n"Join call" click → first decoded remote frame, ${CALLS} calls each, interleaved\n`);
  console.log(HEADER);
  for (const [label, s] of Object.entries(rows)) console.log(formatRow(label, s));
  const ratio = (a: string, b: string) =>
    (rows[a as keyof typeof rows].median / rows[b as keyof typeof rows].median).toFixed(2);
  console.log(
    `\nmedian ratio Diyalog / peerjs: guest side ${ratio('Diyalog — guest sees host', 'peerjs baseline — guest sees host')}, host side ${ratio('Diyalog — host sees guest', 'peerjs baseline — host sees guest')}`,
  );
} finally {
  await Promise.allSettled([hostBrowser.close(), guestBrowser.browser.close()]);
  await server.close();
}
