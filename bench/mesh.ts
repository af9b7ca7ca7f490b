/**
 * npm run bench:mesh — group calls on this machine: rooms of 2, 3, 4 and 6 participants (each its own
 * Chromium process: the first hosts from the extension's side panel, the others join from the join page;
 * fake camera, 1280×720 at 20 fps). For each room:
 *   - the last joiner's "Join call" click → every tile involving them showing frames (on every page). The
 *     last joiner opens the invite once the others see each other, and clicks after a dwell on its preview
 *     (BENCH_DWELL_MS, from the moment the button can be clicked): 0 is a click the instant it can be
 *     clicked, before the pairs negotiated on the preview may be done; 1500 is a user who looks at the
 *     preview (types a name) for 1.5 s, which is what a user does and what issue 12's target (≤ 1 s median
 *     with 4 people) refers to. Each room size is measured with each dwell, alternated, and each run says
 *     how far each of the last joiner's pairs had got at the click ("ahead": offer and answer done on the
 *     preview; "offer out": our offer not answered yet; "no offer yet": the answering side still waits for
 *     it; "none": no peer connection yet),
 *   - CPU per participant (its whole Chromium process tree, from /proc) over a 5 s window once live,
 *   - sent video bitrate per link (outbound-rtp) and frames per second per remote tile, over the same window.
 * min / median / p95 / max over BENCH_RUNS runs per size (default 3); ratios against the 2-person room
 * measured in the same run. Screenshots of the 6-tile grid in light and dark mode go to test-results/.
 * Every step has a time limit (BENCH_STEP_MS, default 30 s): a room that does not come together is counted
 * as failed with what was missing (which tiles on which page, each peer connection's state) and the run
 * goes on with the next room; its browsers are closed, or killed if they do not close.
 * Each run also prints when every tile involving the last joiner first showed a frame (from the click), and
 * with BENCH_PC_LOG=1 each peer connection's timeline (created, descriptions, ICE, connected, tracks), also for a
 * room that did not come together.
 * BENCH_PC_LOG=2 also logs each call into the connection (start, duration) and the page's main-thread stalls.
 * Where a participant's CPU goes, from /proc (per Chromium process type and per thread, % of one core per
 * participant, averaged over the room's participants and runs), for the join window (from the last joiner's
 * click until all tiles are live; runs with a dwell only, reading the threads takes time) and the steady window; with it, how long each participant's threads waited
 * for a core (run-queue delay) and how busy the machine's cores were. BENCH_THREADS=n prints the n busiest
 * threads (default 12).
 * BENCH_DIST and BENCH_JOIN_DIR measure another build (default: this checkout's dist/ and dist-web/join).
 *   BENCH_RUNS=3 BENCH_SIZES=2,3,4,6 BENCH_DWELL_MS=0,1500 BENCH_STEP_MS=30000 BENCH_PC_LOG= BENCH_DIST=
 *   BENCH_JOIN_DIR= BENCH_THREADS=12
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM, chromiumArgs, DIST } from '../tests/support/chromium.js';
import { startWaitingCall } from '../tests/support/call-flow.js';
import { JOIN_DIR, startServer } from '../tests/support/server.js';
import { cpuDelta, cpuSnapshot, machineCpu, type CpuSnapshot } from './lib/cpu-threads.js';
import { formatRow, HEADER, summarize, type Summary } from './lib/summary.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SIZES = (process.env.BENCH_SIZES ?? '2,3,4,6').split(',').map(Number);
/** How long the last joiner looks at its preview before "Join call" (ms from when it can be clicked). */
const DWELLS = (process.env.BENCH_DWELL_MS ?? '0,1500').split(',').map(Number);
const WINDOW_MS = 5000;
const STEP_MS = Number(process.env.BENCH_STEP_MS ?? 30_000);
const CLK_TCK = 100;
/** Another build to measure (e.g. a copy of main's, to compare in the same conditions): its dist/ and join page. */
const EXT_DIR = process.env.BENCH_DIST ?? DIST;
const JOIN_PAGE_DIR = process.env.BENCH_JOIN_DIR ?? JOIN_DIR;
/** BENCH_PROFILE=1: every page's JavaScript profile from the last click until all tiles are live. */
const PROFILE = process.env.BENCH_PROFILE === '1';
const THREADS = Number(process.env.BENCH_THREADS ?? 12);
const SHOTS = resolve(import.meta.dirname, '../test-results/screenshots');
mkdirSync(SHOTS, { recursive: true });

/** Every page: its RTCPeerConnections, so that the bench can read their stats. */
const TRACK_PCS = `(() => {
  const DETAIL = ${process.env.BENCH_PC_LOG === '2'};
  const Native = window.RTCPeerConnection;
  window.__pcs = [];
  window.__pcLog = [];
  window.__pcDetail = DETAIL;
  window.__stalls = [];
  if (DETAIL) {
    // Main-thread stalls: a 20 ms timer that fires late says the page could not run JavaScript meanwhile.
    let last = performance.now();
    setInterval(() => { const now = performance.now(); if (now - last > 120) window.__stalls.push([Math.round(performance.timeOrigin + last), Math.round(now - last)]); last = now; }, 20);
  }
  window.RTCPeerConnection = function (...args) {
    const c0 = performance.now();
    const pc = new Native(...args); window.__pcs.push(pc);
    const ctor = performance.now() - c0;
    const log = []; window.__pcLog.push(log);
    const note = (s) => log.push(Math.round(performance.timeOrigin + performance.now()) + ' ' + s);
    note('new' + (ctor > 20 ? ' (ctor ' + Math.round(ctor) + ')' : ''));
    pc.addEventListener('signalingstatechange', () => note('sig ' + pc.signalingState));
    pc.addEventListener('iceconnectionstatechange', () => note('ice ' + pc.iceConnectionState));
    pc.addEventListener('connectionstatechange', () => note('conn ' + pc.connectionState));
    pc.addEventListener('track', (e) => note('track ' + e.track.kind));
    if (window.__pcDetail) {
      // Where a negotiation step's time goes: when each call into the connection started and how long it took.
      for (const name of ['createOffer', 'createAnswer', 'setLocalDescription', 'setRemoteDescription', 'addIceCandidate', 'getStats']) {
        const original = pc[name].bind(pc);
        pc[name] = (...a) => {
          const t0 = performance.now();
          const r = original(...a);
          const sync = performance.now() - t0;
          if (name === 'getStats') { window.__statsCalls = (window.__statsCalls ?? 0) + 1; return r; }
          note(name + ' call' + (sync > 20 ? ' (sync ' + Math.round(sync) + ')' : ''));
          r.then(() => note(name + ' done ' + Math.round(performance.now() - t0)), () => note(name + ' failed'));
          return r;
        };
      }
    }
    return pc;
  };
  window.RTCPeerConnection.prototype = Native.prototype;
  Object.setPrototypeOf(window.RTCPeerConnection, Native);
})();`;

interface Participant {
  readonly name: string;
  readonly context: BrowserContext;
  readonly page: Page;
  readonly profile: string;
}

async function launch(name: string, extension: boolean): Promise<Participant> {
  const profile = mkdtempSync(join(tmpdir(), 'diyalog-mesh-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      ...chromiumArgs(),
      ...(extension ? [`--disable-extensions-except=${EXT_DIR}`, `--load-extension=${EXT_DIR}`] : []),
    ],
    viewport: extension ? { width: 420, height: 760 } : { width: 1000, height: 760 },
  });
  await context.addInitScript(TRACK_PCS);
  context.setDefaultTimeout(STEP_MS);
  const page = context.pages()[0] ?? (await context.newPage());
  return { name, context, page, profile };
}

/** utime + stime (seconds) of every process whose command line names the profile. */
function cpuSeconds(profile: string): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(profile)) continue;
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone meanwhile
    }
  }
  return ticks / CLK_TCK;
}

/** Where the CPU of a window went: ms by `<participant> <process type> <thread>`, and the window's length. */
interface CpuWindow {
  readonly cpu: CpuSnapshot;
  readonly wait: CpuSnapshot;
  readonly seconds: number;
  /** Cores busy on the whole machine (of 2 here). */
  readonly cores: number;
}

/** Starts a CPU window over the participants' browsers (named by their profile directories); call to end it. */
function cpuWindow(people: readonly Participant[]): () => CpuWindow {
  const name = (args: readonly string[]) => {
    const dir = args.find((a) => a.startsWith('--user-data-dir='))?.slice(16);
    return people.find((p) => p.profile === dir)?.name ?? 'other';
  };
  const cpu0 = cpuSnapshot(process.pid, 'cpu', name);
  const wait0 = cpuSnapshot(process.pid, 'wait', name);
  const m0 = machineCpu();
  const t0 = Date.now();
  return () => {
    const cpu = cpuDelta(cpu0, cpuSnapshot(process.pid, 'cpu', name));
    const wait = cpuDelta(wait0, cpuSnapshot(process.pid, 'wait', name));
    const m1 = machineCpu();
    const seconds = (Date.now() - t0) / 1000;
    const busy = m1.busy - m0.busy;
    const all = busy + (m1.idle - m0.idle) + (m1.steal - m0.steal);
    return { cpu, wait, seconds, cores: all > 0 ? (busy / all) * 2 : NaN };
  };
}

/** Every process whose command line names the profile. */
function pidsOf(profile: string): number[] {
  const pids: number[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(profile)) pids.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/** A page's JavaScript profile in a line: where its main thread spent the most time (self time, ms). */
function topSelf(profile: CpuProfile): string {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const f = byNode.get(id)!.callFrame;
    const where = f.url
      ? `${f.functionName || '(anon)'}@${f.url.split('/').pop()}:${f.lineNumber + 1}`
      : f.functionName;
    self.set(where, (self.get(where) ?? 0) + (profile.timeDeltas[i + 1] ?? 0) / 1000);
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  return `${total.toFixed(0)} ms: ${[...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([k, v]) => `${k} ${v.toFixed(0)}`)
    .join(', ')}`;
}

class StepTimeout extends Error {}

/** `work`, or an error naming the step (and what `explain` finds) after `ms`: no step can hang a run. */
async function step<T>(
  what: string,
  work: Promise<T>,
  explain?: () => Promise<string>,
  ms = STEP_MS,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StepTimeout(`${what}: not done in ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } catch (error) {
    if (error instanceof StepTimeout && explain) {
      const why = await Promise.race([
        explain(),
        new Promise<string>((r) => setTimeout(() => r('(no answer in 15 s)'), 15_000)),
      ]);
      error.message += `\n${why}`;
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** What a page lacks: the tiles it still waits for, and each of its peer connections with its video counters. */
async function missing(people: readonly Participant[]): Promise<string> {
  const lines = await Promise.all(
    people.map(async (p) => {
      const state = p.page
        .evaluate(async () => {
          const w = window as unknown as {
            __want?: string[];
            __seen?: Map<string, number>;
            __pcs: RTCPeerConnection[];
          };
          const pcs = await Promise.all(
            w.__pcs.map(async (pc) => {
              let frames = 0;
              let sent = 0;
              // A page too busy to gather stats within a second still says its connections' states.
              if (pc.connectionState !== 'closed')
                await Promise.race([
                  pc.getStats().then((r) =>
                    r.forEach((st: Record<string, unknown>) => {
                      if (st.type === 'inbound-rtp' && st.kind === 'video')
                        frames += Number(st.framesDecoded ?? 0);
                      if (st.type === 'outbound-rtp' && st.kind === 'video')
                        sent += Number(st.framesEncoded ?? 0);
                    }),
                  ),
                  new Promise((r) => setTimeout(r, 1000)),
                ]);
              return `${pc.signalingState}/${pc.connectionState} in=${frames} out=${sent}`;
            }),
          );
          const waiting = (w.__want ?? []).filter((l) => !w.__seen?.has(l));
          const tiles = [...document.querySelectorAll('video[aria-label^="Remote video"]')].map((v) =>
            v.getAttribute('aria-label'),
          );
          const status = document.querySelector('[role="status"]')?.textContent ?? '';
          return `waits for [${waiting.join(', ')}]; tiles [${tiles.join(', ')}]; status "${status}"; pcs ${pcs.join(' | ')}`;
        })
        .catch((e: unknown) => `(page did not answer: ${String(e).split('\n')[0]})`);
      // One page too busy to answer must not hide what the others say.
      const answer = await Promise.race([
        state,
        new Promise<string>((r) =>
          setTimeout(() => r('(no answer in 10 s: its main thread is held)'), 10_000),
        ),
      ]);
      return `  ${p.name}: ${answer}`;
    }),
  );
  return lines.join('\n');
}

/** In a page: resolves with the wall-clock time by which every listed tile has presented a frame. */
const watchTiles = (labels: readonly string[]) => `window.__want = ${JSON.stringify(labels)};
window.__seen = new Map();
window.__live = new Promise((resolve) => {
  const want = window.__want; const seen = window.__seen; const watched = new WeakSet();
  const tick = () => {
    for (const label of want) {
      if (seen.has(label)) continue;
      // A tile's element can be replaced (e.g. the 1:1 view becoming the grid): watch whichever is there now.
      const v = document.querySelector('video[aria-label="Remote video: ' + label + '"]');
      if (v && !watched.has(v)) { watched.add(v); v.requestVideoFrameCallback((_n, m) => seen.set(label, performance.timeOrigin + m.presentationTime)); }
    }
    if (seen.size === want.length) resolve(Math.max(...seen.values())); else setTimeout(tick, 5);
  };
  tick();
}); 0;`;

/**
 * The click's time, and how far each peer connection of the page had got by then (see the header): kept in
 * the page, by the peer connection's index in __pcs.
 */
const CLICK = `window.__clicked = new Promise((resolve) => addEventListener('click',
  (e) => {
    if (!e.isTrusted || e.target.closest('button')?.textContent.trim() !== 'Join call') return;
    window.__atClick = window.__pcs.map((pc) =>
      pc.signalingState === 'closed' ? 'closed'
      : pc.signalingState === 'have-local-offer' ? 'offer out'
      : pc.signalingState === 'stable' && pc.remoteDescription ? 'ahead'
      : pc.signalingState === 'stable' ? 'no offer yet' : pc.signalingState);
    resolve(performance.timeOrigin + e.timeStamp);
  },
  { capture: true })); 0;`;

/** In the last joiner's page, once live: each tile's pair and how far it had got at the click. */
const PAIRS_AT_CLICK = `(() => {
  const tiles = [...document.querySelectorAll('video[aria-label^="Remote video: "]')];
  return window.__pcs.filter((pc) => pc.connectionState === 'connected').map((pc) => {
    const i = window.__pcs.indexOf(pc);
    const ids = pc.getReceivers().map((r) => r.track.id);
    const tile = tiles.find((v) => v.srcObject && v.srcObject.getTracks().some((t) => ids.includes(t.id)));
    const name = tile ? tile.getAttribute('aria-label').slice('Remote video: '.length) : '?';
    return [name, window.__atClick[i] ?? 'none'];
  });
})()`;

async function joinPage(p: Participant, link: string, open = true): Promise<void> {
  if (open) await p.page.goto(link);
  await p.page.getByLabel('Your name').fill(p.name);
  await p.page.getByLabel('Your name').press('Tab');
  await p.page.getByRole('button', { name: 'Join call' }).and(p.page.locator(':enabled')).waitFor();
}

/** Sent video bytes per peer connection, the size of the video each receives, and decoded frames per remote tile, now. */
async function counters(page: Page): Promise<{ sent: number[]; frames: number[]; sizes: string[] }> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.filter(
      (pc) => pc.connectionState === 'connected',
    );
    const sent: number[] = [];
    const sizes: string[] = [];
    for (const pc of pcs) {
      let bytes = 0;
      (await pc.getStats()).forEach(
        (s: {
          type: string;
          kind?: string;
          bytesSent?: number;
          frameWidth?: number;
          frameHeight?: number;
        }) => {
          if (s.type === 'outbound-rtp' && s.kind === 'video') bytes += s.bytesSent ?? 0;
          if (s.type === 'inbound-rtp' && s.kind === 'video' && s.frameHeight)
            sizes.push(`${s.frameWidth}×${s.frameHeight}`);
        },
      );
      sent.push(bytes);
    }
    const frames = [...document.querySelectorAll<HTMLVideoElement>('video[aria-label^="Remote video"]')].map(
      (v) => v.getVideoPlaybackQuality().totalVideoFrames,
    );
    return { sent, frames, sizes };
  });
}

interface RunResult {
  readonly joinMs: number;
  /** How long the last joiner looked at its preview before the click (BENCH_DWELL_MS). */
  readonly dwellMs: number;
  /** Of the last joiner's pairs, how many were negotiated ahead (offer and answer done) at the click. */
  readonly ahead: number;
  readonly pairs: number;
  readonly cpuPercent: number[];
  readonly sentKbps: number[];
  readonly fps: number[];
  /** The size of the video each link received at the end of the window (width×height). */
  readonly sizes: string[];
  /** From the click (after a dwell; undefined without one, see run()). */
  readonly joinCpu: CpuWindow | undefined;
  readonly steadyCpu: CpuWindow;
}

/**
 * BENCH_PC_LOG: each page's peer connections' timelines (and main-thread stalls) from `origin`, also when a
 * room did not come together; pages that do not answer within 10 s are skipped.
 */
async function printLogs(people: readonly Participant[], origin: number): Promise<void> {
  const logs = await Promise.all(
    people.map((p) =>
      Promise.race([
        p.page
          .evaluate(() => {
            const w = window as unknown as { __pcLog: string[][]; __stalls: [number, number][] };
            return { pcs: w.__pcLog, stalls: w.__stalls };
          })
          .catch(() => undefined),
        new Promise<undefined>((r) => setTimeout(r, 10_000)),
      ]),
    ),
  );
  const at = (line: string) => {
    const [t, ...rest] = line.split(' ');
    return `${(Number(t) - origin).toFixed(0)}:${rest.join(' ')}`;
  };
  for (const [i, p] of people.entries()) {
    const l = logs[i];
    if (!l) {
      console.log(`  ${p.name}: (no logs: the page did not answer)`);
      continue;
    }
    for (const [j, log] of l.pcs.entries()) console.log(`  ${p.name} pc${j}: ${log.map(at).join(' | ')}`);
    const near = l.stalls.filter(([t]) => t - origin > -3000 && t - origin < 30_000);
    if (near.length > 0)
      console.log(`  ${p.name} stalls: ${near.map(([t, d]) => `${(t - origin).toFixed(0)}+${d}`).join(' ')}`);
  }
}

async function run(
  size: number,
  dwellMs: number,
  serverUrl: string,
  screenshots: boolean,
): Promise<RunResult> {
  const people = await Promise.all(Array.from({ length: size }, (_, i) => launch(`P${i + 1}`, i === 0)));
  let origin = Date.now();
  let logged = false;
  try {
    const [host, ...guests] = people as [Participant, ...Participant[]];
    const ext =
      host.context.serviceWorkers()[0] ??
      (await host.context.waitForEvent('serviceworker', { timeout: STEP_MS }));
    const id = new URL(ext.url()).host;
    await ext.evaluate(([url, name]) => chrome.storage.local.set({ serverUrl: url, displayName: name }), [
      serverUrl,
      host.name,
    ] as const);
    await host.page.goto(`chrome-extension://${id}/sidepanel.html`);
    const link = await step('the host starts a call', startWaitingCall(host.page));
    const last = guests[guests.length - 1]!;
    origin = Date.now();
    for (const g of guests.slice(0, -1)) {
      await joinPage(g, link);
      await g.page.getByRole('button', { name: 'Join call' }).click();
    }
    // Everyone before the last is connected to everyone before the last.
    const before = people.slice(0, -1);
    for (const p of before) {
      const others = before.filter((o) => o !== p);
      await p.page.evaluate(watchTiles(others.map((o) => o.name)));
    }
    await step(
      `the first ${before.length} see each other`,
      Promise.all(before.map((p) => p.page.evaluate('window.__live'))),
      () => missing(before),
    );
    // Everything the measurement needs is in place before the last joiner's preview: nothing stands
    // between the moment "Join call" can be clicked and the click but the dwell.
    for (const p of before) await p.page.evaluate(watchTiles([last.name]));
    await last.page.goto(link);
    await last.page.evaluate(watchTiles(before.map((o) => o.name)));
    await last.page.evaluate(CLICK);
    // The last joiner's preview: "Join call" can be clicked from here; the dwell starts.
    await joinPage(last, link, false);
    const previewUp = Date.now();
    const profilers = PROFILE
      ? await Promise.all(
          people.map(async (p) => {
            const cdp = await p.context.newCDPSession(p.page);
            await cdp.send('Profiler.enable');
            await cdp.send('Profiler.setSamplingInterval', { interval: 1000 });
            await cdp.send('Profiler.start');
            return cdp;
          }),
        )
      : [];
    // Reading every thread's CPU takes a while on a loaded machine (~0.1–0.5 s with 4 people): after a
    // dwell it is read just before the click; a click without dwell has no join window of its own.
    await last.page.waitForTimeout(Math.max(0, dwellMs - (Date.now() - previewUp) - 300));
    const joinWindow = dwellMs > 0 ? cpuWindow(people) : undefined;
    await last.page.waitForTimeout(Math.max(0, dwellMs - (Date.now() - previewUp)));
    await last.page.getByRole('button', { name: 'Join call' }).click();
    const clicked = (await step('the click is seen', last.page.evaluate('window.__clicked'))) as number;
    origin = clicked;
    const live = (await step(
      `everyone sees the last joiner (${size} people)`,
      Promise.all(people.map((p) => p.page.evaluate('window.__live'))),
      () => missing(people),
    )) as number[];
    const joinMs = Math.max(...live) - clicked;
    const joinCpu = joinWindow?.();
    for (const [i, cdp] of profilers.entries()) {
      const { profile } = (await cdp.send('Profiler.stop')) as { profile: CpuProfile };
      console.log(`  ${people[i]!.name} main thread from the click to all live: ${topSelf(profile)}`);
    }
    if (process.env.BENCH_PC_LOG) {
      logged = true;
      await printLogs(people, clicked);
    }
    const pairs = (await last.page.evaluate(PAIRS_AT_CLICK)) as [string, string][];
    // Where the join's time went: when each tile involving the last joiner first showed a frame.
    const seen = (await Promise.all(people.map((p) => p.page.evaluate('[...window.__seen.entries()]')))) as [
      string,
      number,
    ][][];
    console.log(
      `${size} people, dwell ${dwellMs} ms (clicked ${(clicked - previewUp).toFixed(0)} ms after the preview was up), ` +
        `${last.name}'s pairs at the click: ${pairs.map(([n, at]) => `${n} ${at}`).join(', ')}`,
    );
    console.log(
      `${size} people, join ${joinMs.toFixed(0)} ms after the click: ` +
        people
          .map((p, i) =>
            p === last
              ? `${p.name} sees ${seen[i]!.map(([n, at]) => `${n} +${(at - clicked).toFixed(0)}`).join(', ')}`
              : `${p.name} sees ${last.name} +${((seen[i]![0]?.[1] ?? NaN) - clicked).toFixed(0)}`,
          )
          .join('; '),
    );

    // Let the bandwidth estimates settle a moment, then the measurement window.
    await last.page.waitForTimeout(2000);
    const cpu0 = people.map((p) => cpuSeconds(p.profile));
    const c0 = await step('counters', Promise.all(people.map((p) => counters(p.page))));
    const t0 = Date.now();
    const steadyWindow = cpuWindow(people);
    await last.page.waitForTimeout(WINDOW_MS);
    const steadyCpu = steadyWindow();
    const cpu1 = people.map((p) => cpuSeconds(p.profile));
    const c1 = await step('counters', Promise.all(people.map((p) => counters(p.page))));
    const seconds = (Date.now() - t0) / 1000;
    const sentKbps: number[] = [];
    const fps: number[] = [];
    people.forEach((_, i) => {
      c1[i]!.sent.forEach((b, j) => sentKbps.push(((b - (c0[i]!.sent[j] ?? 0)) * 8) / 1000 / seconds));
      c1[i]!.frames.forEach((f, j) => fps.push((f - (c0[i]!.frames[j] ?? 0)) / seconds));
    });
    if (screenshots) {
      for (const scheme of ['light', 'dark'] as const) {
        for (const [p, where] of [
          [last, 'join'],
          [host, 'sidepanel'],
        ] as const) {
          await p.page.emulateMedia({ colorScheme: scheme });
          await p.page.screenshot({ path: `${SHOTS}/group-${size}-${where}-${scheme}.png` });
        }
      }
    }
    return {
      joinMs,
      dwellMs,
      ahead: pairs.filter(([, at]) => at === 'ahead').length,
      pairs: pairs.length,
      cpuPercent: people.map((_, i) => ((cpu1[i]! - cpu0[i]!) / seconds) * 100),
      sentKbps,
      fps,
      sizes: c1.flatMap((c) => c.sizes),
      joinCpu,
      steadyCpu,
    };
  } catch (error) {
    if (process.env.BENCH_PC_LOG && !logged) {
      console.log(`  (ms from the last joiner's click, or before it from the first guest's)`);
      await printLogs(people, origin);
    }
    throw error;
  } finally {
    // A browser that does not close in time is killed: the next room starts clean.
    await Promise.race([
      Promise.allSettled(people.map((p) => p.context.close())),
      new Promise((r) => setTimeout(r, 15_000)),
    ]);
    for (const p of people) {
      for (const pid of pidsOf(p.profile)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
      rmSync(p.profile, { recursive: true, force: true });
    }
  }
}

const server = await startServer({ JOIN_DIR: JOIN_PAGE_DIR });
const results = new Map<number, RunResult[]>();
const failures = new Map<number, string[]>();
try {
  for (let r = 0; r < RUNS; r++) {
    for (const size of SIZES) {
      for (const [d, dwell] of DWELLS.entries()) {
        process.stderr.write(`\rrun ${r + 1}/${RUNS}, ${size} people, dwell ${dwell} ms   `);
        try {
          const shots = r === 0 && d === 0 && size === Math.max(...SIZES);
          const result = await run(size, dwell, server.url, shots);
          results.set(size, [...(results.get(size) ?? []), result]);
        } catch (error) {
          const message = (error as Error).message;
          failures.set(size, [
            ...(failures.get(size) ?? []),
            `dwell ${dwell} ms: ${message.split('\n')[0]!}`,
          ]);
          console.error(`\n${size} people, dwell ${dwell} ms, run ${r + 1}: ${message}`);
        }
      }
    }
  }
} finally {
  await server.close();
}
process.stderr.write('\n');

const table = (title: string, unit: string, pick: (r: RunResult) => number[]) => {
  console.log(`\n${title}\n${HEADER}`);
  const base = summarize((results.get(SIZES[0]!) ?? []).flatMap(pick));
  for (const size of SIZES) {
    const s: Summary = summarize((results.get(size) ?? []).flatMap(pick));
    const ratio =
      Number.isFinite(base.median) && base.median !== 0 ? (s.median / base.median).toFixed(2) : '–';
    console.log(`${formatRow(`${size} people`, s, unit)}  ×${ratio} vs ${SIZES[0]}`);
  }
};
console.log(
  `\nGroup calls on ${RUNS} run(s) per size and dwell (fake camera 1280×720 at 20 fps, loopback, this machine)`,
);
console.log(`\nlast joiner's click → all their tiles live, by how long it looked at its preview\n${HEADER}`);
for (const dwell of DWELLS) {
  const joins = (size: number) =>
    summarize((results.get(size) ?? []).filter((r) => r.dwellMs === dwell).map((r) => r.joinMs));
  const base = joins(SIZES[0]!);
  for (const size of SIZES) {
    const s = joins(size);
    const ratio =
      Number.isFinite(base.median) && base.median !== 0 ? (s.median / base.median).toFixed(2) : '–';
    const runs = (results.get(size) ?? []).filter((r) => r.dwellMs === dwell);
    const ahead = runs.reduce((a, r) => a + r.ahead, 0);
    const pairs = runs.reduce((a, r) => a + r.pairs, 0);
    console.log(
      `${formatRow(`${size} people, dwell ${dwell} ms`, s, 'ms')}  ×${ratio} vs ${SIZES[0]}; ` +
        `pairs negotiated ahead ${ahead} of ${pairs}`,
    );
  }
}
console.log('(the rest: every dwell together)');
table('CPU per participant (its Chromium processes)', '%', (r) => r.cpuPercent);
table('video sent per link', 'kbps', (r) => r.sentKbps);
table('frames per second per remote tile', 'fps', (r) => r.fps);
for (const size of SIZES) {
  const fps = (results.get(size) ?? []).flatMap((r) => r.fps);
  const below = fps.filter((f) => f < 10).length;
  console.log(
    `${size} people: ${below} of ${fps.length} tiles below 10 fps; runs completed ${(results.get(size) ?? []).length}/${RUNS * DWELLS.length}`,
  );
  const sizes = new Map<string, number>();
  for (const s of (results.get(size) ?? []).flatMap((r) => r.sizes)) sizes.set(s, (sizes.get(s) ?? 0) + 1);
  console.log(
    `  video received per link: ${[...sizes.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([s, n]) => `${s} ×${n}`)
      .join(', ')}`,
  );
  for (const reason of failures.get(size) ?? []) console.log(`  failed: ${reason}`);
}

/**
 * Where a participant's CPU went in a window, % of one core per participant (summed over the room's
 * participants, divided by their number, averaged over runs): by process type, then the busiest threads.
 */
function cpuBreakdown(title: string, pick: (r: RunResult) => CpuWindow | undefined): void {
  console.log(`\n${title}`);
  for (const size of SIZES) {
    const runs = (results.get(size) ?? []).map(pick).filter((w) => w !== undefined);
    if (runs.length === 0) continue;
    const byProcess = new Map<string, number>();
    const byThread = new Map<string, number>();
    const waitByThread = new Map<string, number>();
    const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
    for (const w of runs) {
      const share = (ms: number) => ms / 10 / w.seconds / size / runs.length; // % of a core per participant
      for (const [key, ms] of w.cpu) {
        const [who, type, ...thread] = key.split(' ');
        if (who === 'other') continue;
        const name = thread.join(' ');
        if (name === '(process)') add(byProcess, type!, share(ms));
        else add(byThread, `${type} ${name}`, share(ms));
      }
      for (const [key, ms] of w.wait) {
        const [who, type, ...thread] = key.split(' ');
        if (who !== 'other')
          add(waitByThread, `${type} ${thread.join(' ')}`, ms / w.seconds / size / runs.length);
      }
    }
    const total = [...byProcess.values()].reduce((a, b) => a + b, 0);
    const seconds = runs.map((w) => w.seconds.toFixed(1)).join(', ');
    const cores = runs.map((w) => w.cores.toFixed(2)).join(', ');
    const waited = [...waitByThread.values()].reduce((a, b) => a + b, 0);
    console.log(
      `${size} people (windows ${seconds} s; cores busy ${cores} of 2): ${total.toFixed(1)} % of a core per participant; ` +
        `its threads waited ${waited.toFixed(0)} ms/s for a core`,
    );
    const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]);
    console.log(
      `  by process: ${sorted(byProcess)
        .map(([k, v]) => `${k} ${v.toFixed(1)}`)
        .join(', ')}`,
    );
    console.log(
      `  busiest threads (% of a core; waited ms/s): ${sorted(byThread)
        .slice(0, THREADS)
        .map(([k, v]) => `${k} ${v.toFixed(1)} (${(waitByThread.get(k) ?? 0).toFixed(0)})`)
        .join(', ')}`,
    );
  }
}
cpuBreakdown(
  "CPU from the last joiner's click until all tiles are live (runs with a dwell)",
  (r) => r.joinCpu,
);
cpuBreakdown(
  `CPU in the steady window (${WINDOW_MS / 1000} s, 2 s after all tiles are live)`,
  (r) => r.steadyCpu,
);
