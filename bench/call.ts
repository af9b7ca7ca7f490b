/**
 * npm run bench:call — time from the guest's "Join call" click to the first decoded remote frame on each
 * side, for Diyalog (extension side panel ↔ join page) and for a baseline made of the `peerjs` client's own
 * MediaConnection against the same server, interleaved in one run, both against the same host Chromium.
 *   BENCH_CALLS=20       WARM: one guest Chromium process for every call (per variant)
 *   BENCH_COLD_CALLS=8   COLD: a fresh guest Chromium process per call — launch, open the page, wait for
 *                        "Join call" and 300 ms of preview, click — the host stays up (per variant)
 * How to read it: each row is min / median / p95 / max in ms over its calls, and × is Diyalog's median over
 * peerjs's median in the same run (< 1: Diyalog is faster). "open → Join enabled" is the cold page's own start
 * (camera, socket, key, ICE servers): not part of click → frame. Diyalog then negotiates the pair while the
 * guest looks at its preview (descriptions only; the click sends the candidates), so each run waits 300 ms
 * of preview before its click, as a user would at the very least.
 * PHASES (bench/lib/call-phases.ts), per call, stamped inside the pages in wall-clock ms from the guest's
 * click: offer sent / received, offer applied, answer made / sent / received / applied (peerjs; Diyalog's
 * happen before the click, so it has none), candidates sent / received, ICE connected and DTLS connected
 * (connectionState 'connected') on each side, first frame received (its last packet, from
 * requestVideoFrameCallback's receiveTime) and shown. "step" is the median per-call time since the phase it
 * waits for (named at the line's end): the largest steps say where to work next. Events are stamped when the
 * page's main thread sees them, so a busy page shows as late stamps; "busy in tasks > 50 ms" says how much.
 * Negotiation phases are named by role (offerer / answerer); the rows "guest offered / host offered /
 * negotiated ahead" split Diyalog's calls by who offered after the click (nobody, when the preview had time).
 * "in …" rows: time inside seal/unseal (AES-GCM) and each RTCPeerConnection call, summed per call (calls that
 * overlap, such as several addIceCandidate, count each). "size 1 s later": how soon a small first frame grows.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { launchPlain, launchWithExtension } from '../tests/support/chromium.js';
import { startWaitingCall } from '../tests/support/call-flow.js';
import { startServer } from '../tests/support/server.js';
import {
  offeredBy,
  PHASE_PROBE,
  phaseTable,
  WATCH_FIRST_FRAME,
  type CallRecord,
  type FirstFrame,
  type PhaseEvent,
} from './lib/call-phases.js';
import { formatRow, HEADER, summarize, type Summary } from './lib/summary.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 20);
const COLD_CALLS = Number(process.env.BENCH_COLD_CALLS ?? 8);
const peerjsSource = readFileSync(
  createRequire(import.meta.url).resolve('peerjs/dist/peerjs.min.js'),
  'utf8',
);

/** In the page: the wall-clock time of the next trusted click on the matching button. */
const WATCH_CLICK = `window.__clicked = new Promise((resolve) => addEventListener('click',
  (e) => { if (e.isTrusted && e.target.closest('button')?.textContent.trim() === 'Join call') resolve(performance.timeOrigin + e.timeStamp); },
  { capture: true })); 0;`;

const phaseLog = (page: Page) => page.evaluate('window.__benchPhases?.log ?? []') as Promise<PhaseEvent[]>;

async function measure(host: Page, guest: Page): Promise<CallRecord> {
  await guest.evaluate(WATCH_CLICK);
  await Promise.all([host.evaluate(WATCH_FIRST_FRAME), guest.evaluate(WATCH_FIRST_FRAME)]);
  await guest.getByRole('button', { name: 'Join call' }).click();
  const [clicked, guestFrame, hostFrame] = await Promise.all([
    guest.evaluate('window.__clicked') as Promise<number>,
    guest.evaluate('window.__firstFrame') as Promise<FirstFrame>,
    host.evaluate('window.__firstFrame') as Promise<FirstFrame>,
  ]);
  const [guestLog, hostLog] = await Promise.all([phaseLog(guest), phaseLog(host)]);
  return {
    clicked,
    guest: { log: guestLog, frame: guestFrame },
    host: { log: hostLog, frame: hostFrame },
  };
}

interface Measured {
  readonly call: CallRecord;
  /** From the navigation to the join page until "Join call" could be clicked. */
  readonly pageReady: number;
}

async function diyalogCall(panel: Page, guest: Page): Promise<Measured> {
  const link = await startWaitingCall(panel);
  const opened = Date.now();
  await guest.goto(link);
  // As a user would: the page opens, the preview shows, then they click.
  await guest.getByRole('button', { name: 'Join call' }).and(guest.locator(':enabled')).waitFor();
  const pageReady = Date.now() - opened;
  await guest.waitForTimeout(300);
  const call = await measure(panel, guest);
  await guest.getByRole('button', { name: 'Hang up' }).click();
  await panel.getByRole('button', { name: 'Start a new call' }).waitFor();
  return { call, pageReady };
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
): Promise<Measured> {
  const hostId = `bench${n}x${Math.random().toString(36).slice(2, 10)}`;
  let pageReady = 0;
  for (const [page, role] of [
    [hostPage, 'host'],
    [guest, 'guest'],
  ] as const) {
    const url = `${serverUrl}/bench-baseline-${role}.html`;
    await page.route(url, (route) =>
      route.fulfill({ contentType: 'text/html', body: BASELINE_PAGE(role, port, hostId) }),
    );
    const opened = Date.now();
    await page.goto(url);
    await page.evaluate('window.ready.then(() => 0)');
    if (role === 'guest') pageReady = Date.now() - opened;
    await page.unroute(url);
  }
  await guest.waitForTimeout(300);
  const call = await measure(hostPage, guest);
  await Promise.all([hostPage.goto('about:blank'), guest.goto('about:blank')]);
  return { call, pageReady };
}

/** A guest Chromium of its own, the probe in every page it opens. */
async function launchGuest(serverUrl: string): Promise<{ browser: Browser; page: Page }> {
  const guest = await launchPlain();
  const context = guest.page.context();
  await context.addInitScript({ content: PHASE_PROBE });
  // Chromium treats a page Playwright fulfils as public, and blocks its socket to loopback without this.
  await context.grantPermissions(['local-network-access'], { origin: serverUrl });
  return guest;
}

/** A fresh guest browser process for one call, closed after it. */
async function cold<T>(serverUrl: string, call: (guest: Page) => Promise<T>): Promise<T> {
  const guest = await launchGuest(serverUrl);
  try {
    return await call(guest.page);
  } finally {
    await guest.browser.close();
  }
}

const server = await startServer();
const hostBrowser = await launchWithExtension({ serverUrl: server.url });
await hostBrowser.context.addInitScript({ content: PHASE_PROBE });
await hostBrowser.context.grantPermissions(['local-network-access'], { origin: server.url });
const warmGuest = await launchGuest(server.url);
try {
  const panel = await hostBrowser.open('sidepanel.html');
  const baselineHost = await hostBrowser.context.newPage();
  const ours: Measured[] = [];
  const baseline: Measured[] = [];
  const oursCold: Measured[] = [];
  const baselineCold: Measured[] = [];
  const started = Date.now();
  // One warm-up of each, not counted (first compile, first camera start).
  await diyalogCall(panel, warmGuest.page);
  await baselineCall(baselineHost, warmGuest.page, server.url, server.port, 0);
  for (let i = 1; i <= CALLS; i++) {
    await panel.bringToFront();
    ours.push(await diyalogCall(panel, warmGuest.page));
    await baselineHost.bringToFront();
    baseline.push(await baselineCall(baselineHost, warmGuest.page, server.url, server.port, i));
    process.stderr.write(`\rwarm call ${i}/${CALLS}`);
  }
  for (let i = 1; i <= COLD_CALLS; i++) {
    await panel.bringToFront();
    oursCold.push(await cold(server.url, (guest) => diyalogCall(panel, guest)));
    await baselineHost.bringToFront();
    baselineCold.push(
      await cold(server.url, (guest) =>
        baselineCall(baselineHost, guest, server.url, server.port, CALLS + i),
      ),
    );
    process.stderr.write(`\rcold call ${i}/${COLD_CALLS} `);
  }
  process.stderr.write(`\n${((Date.now() - started) / 1000).toFixed(0)} s of calls\n`);

  const frame = (m: Measured, side: 'guest' | 'host') => m.call[side].frame.shown - m.call.clicked;
  const row = (label: string, s: Summary, b: Summary) =>
    `${formatRow(label, s)}  ×${(s.median / b.median).toFixed(2)}`;
  const pair = (title: string, ourRuns: Measured[], baseRuns: Measured[]) => {
    console.log(title);
    for (const [side, sees] of [
      ['guest', 'guest sees host'],
      ['host', 'host sees guest'],
    ] as const) {
      const b = summarize(baseRuns.map((m) => frame(m, side)));
      console.log(row(`Diyalog — ${sees}`, summarize(ourRuns.map((m) => frame(m, side))), b));
      console.log(formatRow(`peerjs baseline — ${sees}`, b));
    }
    // Who offered after the click (by the glare rule), or nobody: the pair was negotiated on the preview.
    for (const [label, who] of [
      ['guest offered', 'guest'],
      ['host offered', 'host'],
      ['negotiated ahead', 'ahead'],
    ] as const) {
      const runs = ourRuns.filter((m) => offeredBy(m.call) === who);
      if (runs.length > 0)
        console.log(formatRow(`  ${label}, guest sees`, summarize(runs.map((m) => frame(m, 'guest')))));
    }
  };
  console.log(
    `\n"Join call" click → first decoded remote frame (ms); ×: Diyalog median / peerjs median, same run\n`,
  );
  console.log(HEADER);
  pair(`WARM — one guest browser, ${CALLS} calls each, interleaved`, ours, baseline);
  pair(
    `COLD — a fresh guest browser per call, ${COLD_CALLS} calls each, interleaved`,
    oursCold,
    baselineCold,
  );
  const readyB = summarize(baselineCold.map((m) => m.pageReady));
  console.log(row('Diyalog — open → Join enabled', summarize(oursCold.map((m) => m.pageReady)), readyB));
  console.log(formatRow('peerjs — open → Join enabled', readyB));
  // BENCH_DUMP=file.json: every call's logs, for a closer look at one call.
  if (process.env.BENCH_DUMP)
    writeFileSync(
      process.env.BENCH_DUMP,
      JSON.stringify({ ours, baseline, oursCold, baselineCold }, null, 1),
    );
  for (const [title, ourRuns, baseRuns] of [
    [`WARM, ${CALLS} calls`, ours, baseline],
    [`COLD, ${COLD_CALLS} calls`, oursCold, baselineCold],
  ] as const) {
    console.log(`\nPHASES, ${title}: ms from the guest's click (Diyalog; peerjs medians on the right)`);
    for (const line of phaseTable(
      ourRuns.map((m) => m.call),
      baseRuns.map((m) => m.call),
    ))
      console.log(line);
  }
} finally {
  await Promise.allSettled([hostBrowser.close(), warmGuest.browser.close()]);
  await server.close();
}
