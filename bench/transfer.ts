/**
 * npm run bench:transfer — a 100 MiB file through Diyalog's file transfer (join page ↔ extension side panel,
 * in a running call) against the raw data-channel ceiling measured between the same two Chromium processes
 * in the same run (a second RTCPeerConnection, one channel, 64 KiB messages, the same backpressure, no
 * protocol, no hashing, no file reads; ≤ 1 MiB buffered), interleaved; plus chat latency (Enter → drawn in a frame on the
 * other side, the DOM change before it reported too) with
 * no transfer and under a running transfer, the product's SHA-256 worker's speed in both pages, and the wait from the
 * last file byte to "Received and verified". Each run sends our file twice: with chat beside it (the file keeps
 * to the chat window) and, CHAT_ACTIVE_MS later, without (the throughput the ≥ 0.8 target is about).
 * Chat runs beside our transfer for its first BENCH_CHAT_S; "chat beside" MB/s is the file's rate over that time.
 *   BENCH_RUNS=3 (transfers per variant)   BENCH_MIB=100   BENCH_CHAT_S=20
 *   BENCH_PROFILE=1: where the receiving page's main thread goes during our transfers (CDP sampling profiler)
 *   BENCH_DIST= BENCH_JOIN_DIR=: measure another build (default: this checkout's dist/ and dist-web/join)
 *   BENCH_TRACE=1: the receiving page's main thread during raw and our chatted transfers, from a trace (tasks'
 *   wall against CPU time, self time by kind of work)
 */
import { readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { joinedCall } from '../tests/support/call-flow.js';
import { pickFile } from './lib/pick-file.js';
import { CHAT_ACTIVE_MS } from '../src/call/files/limits.js';
import { DIST, launchPlain, launchWithExtension } from '../tests/support/chromium.js';
import { JOIN_DIR, startServer } from '../tests/support/server.js';
import { PROBE, traces, type ChatTrace, type ProbeState } from './lib/channel-probe.js';
import { addInto, cpuDelta, cpuSnapshot, machineCpu, type CpuSnapshot } from './lib/cpu-threads.js';
import { formatRow, HEADER, summarize } from './lib/summary.js';
import { startTrace, stopTrace, type MainThreadSummary } from './lib/main-thread-trace.js';

const EXT_DIR = process.env.BENCH_DIST ?? DIST;
const JOIN_PAGE_DIR = process.env.BENCH_JOIN_DIR ?? JOIN_DIR;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PROFILE = process.env.BENCH_PROFILE === '1';
const TRACE = process.env.BENCH_TRACE === '1';
/** The receiving page's main thread, traced (BENCH_TRACE), per variant. */
const traced: Record<'raw' | 'ours' | 'chat only', MainThreadSummary[]> = {
  raw: [],
  ours: [],
  'chat only': [],
};

async function traceWhile<T>(variant: keyof typeof traced, page: Page, run: () => Promise<T>): Promise<T> {
  if (!TRACE) return run();
  const cdp = await startTrace(page);
  const result = await run();
  const summary = await stopTrace(cdp, page.url());
  if (summary) traced[variant].push(summary);
  else console.error(`no main thread found in the trace of ${page.url()}`);
  return result;
}

function printTraces(): void {
  for (const variant of ['raw', 'ours', 'chat only'] as const) {
    const list = traced[variant];
    if (list.length === 0) continue;
    const span = list.reduce((a, s) => a + s.span, 0) / 1000;
    const t = (k: 'n' | 'wall' | 'cpu' | 'over50' | 'over50Wall' | 'over50Cpu') =>
      list.reduce((a, s) => a + s.tasks[k], 0);
    console.log(
      `receiving page's main thread during ${variant === 'chat only' ? 'chat with no transfer' : `${variant} transfers`} (traced ${(span / 1000).toFixed(1)} s): ` +
        `${t('n')} tasks, wall ${(t('wall') / 1000).toFixed(0)} ms (${((100 * t('wall')) / 1000 / span).toFixed(1)}%), ` +
        `CPU ${(t('cpu') / 1000).toFixed(0)} ms (${((100 * t('cpu')) / 1000 / span).toFixed(1)}%); ` +
        `tasks > 50 ms: ${t('over50')}, wall ${(t('over50Wall') / 1000).toFixed(0)} ms, CPU ${(t('over50Cpu') / 1000).toFixed(0)} ms`,
    );
    console.log(formatRow('  task wall time', summarize(list.flatMap((s) => s.taskWalls))));
    const kinds = new Map<string, { wall: number; cpu: number; n: number }>();
    for (const s of list)
      for (const [k, v] of s.byKind) {
        const sum = kinds.get(k) ?? { wall: 0, cpu: 0, n: 0 };
        sum.wall += v.wall;
        sum.cpu += v.cpu;
        sum.n += v.n;
        kinds.set(k, sum);
      }
    console.log('  self time by kind (wall ms / CPU ms / count):');
    for (const [k, v] of [...kinds].sort((a, b) => b[1].wall - a[1].wall).slice(0, 22))
      console.log(
        `    ${(v.wall / 1000).toFixed(0).padStart(7)} ${(v.cpu / 1000).toFixed(0).padStart(7)} ${String(v.n).padStart(7)}  ${k}`,
      );
  }
}
const MIB = Number(process.env.BENCH_MIB ?? 100);
const SIZE = MIB * 1024 * 1024;
const CHUNK = 64 * 1024;
/** A chat message this often while a transfer runs (and as many before, for the idle baseline). */
const CHAT_EVERY_MS = 100;
/** How long chat runs beside our transfer (from Accept; a raw transfer has chat beside it throughout). */
const CHAT_MS = Number(process.env.BENCH_CHAT_S ?? 20) * 1000;
/** The ceiling's backpressure: the most the issue allows in flight (≤ 1 MiB), refilled below 256 KiB. */
const RAW_HIGH = 1024 * 1024 - CHUNK;
const RAW_LOW = 256 * 1024;

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/** Sampled main-thread time by function (self time, ms), added up over runs. */
const profileTotals = new Map<string, number>();
let profiledMs = 0;

async function startProfile(page: Page): Promise<CDPSession | undefined> {
  if (!PROFILE) return undefined;
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
  await cdp.send('Profiler.start');
  return cdp;
}

async function stopProfile(cdp: CDPSession | undefined): Promise<void> {
  if (!cdp) return;
  const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: CpuProfile };
  await cdp.detach();
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id);
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    profiledMs += ms;
    if (!frame) return;
    const file = frame.url.split('/').pop() ?? '';
    const key = `${frame.functionName || '(anonymous)'} ${file}${file ? `:${frame.lineNumber + 1}` : ''}`;
    profileTotals.set(key, (profileTotals.get(key) ?? 0) + ms);
  });
}

/** The product's hashing worker, as both builds emit it (src/web/sha256-worker.ts). */
const WORKER_FILE = readdirSync(resolve(EXT_DIR, 'assets')).find((f) => /^sha256-worker-.*\.js$/.test(f));
const HASH_MIB = 50;

/**
 * In the page: the product's SHA-256 worker hashes HASH_MIB 1 MiB pieces handed over as the transfer does
 * (buffers transferred); ms from the first piece to the digest (worker start included), the page's own
 * ms spent handing them over, and which code hashed ('wasm' or 'js'; a build before the engine was told
 * answers nothing: 'js').
 */
function hashRun(page: Page, url: string): Promise<{ total: number; main: number; engine: string }> {
  return page.evaluate(
    async ({ url, mib }) => {
      const pieces: Uint8Array<ArrayBuffer>[] = [];
      for (let i = 0; i < mib; i++) {
        const piece = new Uint8Array(1024 * 1024);
        for (let at = 0; at < piece.length; at += 65536)
          crypto.getRandomValues(piece.subarray(at, at + 65536));
        pieces.push(piece);
      }
      const t0 = performance.now();
      const worker = new Worker(url, { type: 'module' });
      let main = 0;
      for (const piece of pieces) {
        const at = performance.now();
        worker.postMessage(piece, [piece.buffer]);
        main += performance.now() - at;
      }
      let engine = 'js';
      await new Promise((resolve, reject) => {
        worker.onmessage = (event: MessageEvent<unknown>) => {
          if (event.data === 'wasm' || event.data === 'js') engine = event.data;
          else resolve(event.data);
        };
        worker.onerror = () => reject(new Error('the hashing worker failed'));
        worker.postMessage('engine');
        worker.postMessage('digest');
      });
      worker.terminate();
      return { total: performance.now() - t0, main, engine };
    },
    { url, mib: HASH_MIB },
  );
}

/** In the page: an RTCPeerConnection with one negotiated channel; resolves to its description once ICE is gathered. */
async function rawPeer(page: Page, offer?: RTCSessionDescriptionInit): Promise<RTCSessionDescriptionInit> {
  return page.evaluate(async (offer) => {
    const w = window as unknown as { rawPc: RTCPeerConnection; rawCh: RTCDataChannel };
    const pc = new RTCPeerConnection();
    const ch = pc.createDataChannel('raw', { negotiated: true, id: 7, ordered: true });
    ch.binaryType = 'arraybuffer';
    w.rawPc = pc;
    w.rawCh = ch;
    if (offer) await pc.setRemoteDescription(offer);
    await pc.setLocalDescription();
    await new Promise<void>((resolve) => {
      if (pc.iceGatheringState === 'complete') resolve();
      pc.addEventListener('icegatheringstatechange', () => {
        if (pc.iceGatheringState === 'complete') resolve();
      });
    });
    return pc.localDescription!.toJSON() as RTCSessionDescriptionInit;
  }, offer);
}

async function connectRaw(a: Page, b: Page): Promise<void> {
  const answer = await rawPeer(b, await rawPeer(a));
  await a.evaluate(async (answer) => {
    const w = window as unknown as { rawPc: RTCPeerConnection; rawCh: RTCDataChannel };
    await w.rawPc.setRemoteDescription(answer);
    await new Promise<void>((resolve) => {
      if (w.rawCh.readyState === 'open') resolve();
      w.rawCh.addEventListener('open', () => resolve());
    });
  }, answer);
}

/**
 * The ceiling: SIZE bytes in 64 KiB messages from `from` to `to`, nothing else; MB/s. Chat runs meanwhile on
 * the call's own connection: what it waits for then is the machine's load, not a queue shared with a file.
 */
async function rawRun(from: Page, to: Page): Promise<{ rate: number; chat: ChatRun }> {
  await to.evaluate((size) => {
    const w = window as unknown as { rawCh: RTCDataChannel; rawDone: Promise<number> };
    w.rawDone = new Promise((resolve) => {
      let got = 0;
      w.rawCh.onmessage = (e: MessageEvent<ArrayBuffer>) => {
        got += e.data.byteLength;
        if (got >= size) resolve(performance.timeOrigin + performance.now());
      };
    });
  }, SIZE);
  const starting = from.evaluate(
    async ({ size, chunk, high, low }) => {
      const ch = (window as unknown as { rawCh: RTCDataChannel }).rawCh;
      ch.bufferedAmountLowThreshold = low;
      const bytes = new Uint8Array(chunk);
      crypto.getRandomValues(bytes);
      const t0 = performance.timeOrigin + performance.now();
      for (let sent = 0; sent < size;) {
        if (ch.bufferedAmount > high) {
          await new Promise<void>((resolve) => (ch.onbufferedamountlow = () => resolve()));
          continue;
        }
        ch.send(bytes);
        sent += chunk;
      }
      return t0;
    },
    { size: SIZE, chunk: CHUNK, high: RAW_HIGH, low: RAW_LOW },
  );
  const ending = to.evaluate(() => (window as unknown as { rawDone: Promise<number> }).rawDone);
  const chat = await traceWhile('raw', to, () => chatWhile(from, to, ending));
  return { rate: SIZE / 1e6 / (((await ending) - (await starting)) / 1000), chat };
}

/** In the receiving page: stamps when the n-th "Received and verified" shows, and when chat texts show. */
const WATCH = `(() => {
  window.__verified = [];
  window.__verifiedWaiters = [];
  // Resolves with when the (count+1)-th "Received and verified" showed: one call, no polling of the page.
  window.__whenVerified = (count) =>
    new Promise((resolve) => {
      const check = () =>
        window.__verified.length > count ? resolve(window.__verified[count]) : window.__verifiedWaiters.push(check);
      check();
    });
  window.__chatSeen = {};
  // When the page has drawn the frame that shows a text (its main thread's part: a task queued from that
  // frame's animation callback runs once the frame is committed): what the reader meets, not the DOM change.
  window.__chatFramed = {};
  // The vsync that frame belongs to (the animation callback's timestamp: its BeginFrame's frame time). A page
  // waits for the next one after a change; Chromium paces it by the display's frame interval.
  window.__chatVsync = {};
  const framed = (texts) =>
    requestAnimationFrame((vsync) => {
      for (const t of texts) window.__chatVsync[t] = performance.timeOrigin + vsync;
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        const at = performance.timeOrigin + performance.now();
        for (const t of texts) window.__chatFramed[t] = at;
      };
      channel.port2.postMessage(0);
    });
  // Looks only at what each mutation added (not the whole page): progress updates during our transfer must
  // not cost the receiving page more harness work than the raw run's.
  new MutationObserver((records) => {
    const now = performance.timeOrigin + performance.now();
    let ok = false;
    const added = [];
    for (const record of records)
      for (const node of record.addedNodes) {
        if (node.nodeType !== 1) continue;
        ok ||= node.matches('.ok') || node.querySelector('.ok') !== null;
        const texts = node.matches('p.text') ? [node] : node.querySelectorAll('p.text');
        for (const p of texts) {
          const t = p.textContent;
          if (t.startsWith('bench ') && !(t in window.__chatSeen)) {
            window.__chatSeen[t] = now;
            added.push(t);
          }
        }
      }
    if (added.length > 0) framed(added);
    if (!ok) return;
    const n = [...document.querySelectorAll('.ok')].filter((e) => e.textContent === 'Received and verified').length;
    while (window.__verified.length < n) window.__verified.push(now);
    for (const wake of window.__verifiedWaiters.splice(0)) wake();
  }).observe(document.body, { subtree: true, childList: true });
})(); 0;`;

/** In the sending page: types `text` into the chat box and presses Enter; returns when it was pressed. */
function sendChat(page: Page, text: string): Promise<number> {
  return page.evaluate((text) => {
    const box = document.querySelector<HTMLTextAreaElement>('textarea#chat-message')!;
    box.value = text;
    box.dispatchEvent(new Event('input', { bubbles: true }));
    const at = performance.timeOrigin + performance.now();
    box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
    return at;
  }, text);
}

let chatCounter = 0;
interface ChatRun {
  /** Enter → drawn in a frame on the other side (ms; Infinity: never shown): what the reader meets. */
  latencies: number[];
  /** Enter → in the other side's DOM (ms), before the frame that draws it. */
  inDom: number[];
  traces: ChatTrace[];
  /** Each message's Enter, ms after the first one's. */
  after: number[];
}

const probeState = (page: Page) =>
  page.evaluate(() => {
    const { sent, recv, lags, got, long, rtts } = (window as unknown as { __probe: ProbeState }).__probe;
    return { sent, recv, lags, got, long, rtts };
  });

/** Chat messages from `from` every CHAT_EVERY_MS until `until` settles; their latencies (ms) and paths. */
async function chatWhile(from: Page, to: Page, until: Promise<unknown>): Promise<ChatRun> {
  const sent: [string, number][] = [];
  let running = true;
  void until.finally(() => (running = false));
  while (running) {
    const text = `bench ${++chatCounter}`;
    sent.push([text, await sendChat(from, text)]);
    await new Promise((r) => setTimeout(r, CHAT_EVERY_MS));
  }
  await new Promise((r) => setTimeout(r, 1000));
  const seen = (await to.evaluate('window.__chatSeen')) as Record<string, number>;
  const drawn = (await to.evaluate('window.__chatFramed')) as Record<string, number>;
  const vsync = (await to.evaluate('window.__chatVsync')) as Record<string, number>;
  return {
    latencies: sent.map(([text, at]) => (drawn[text] === undefined ? Infinity : drawn[text] - at)),
    inDom: sent.map(([text, at]) => (seen[text] === undefined ? Infinity : seen[text] - at)),
    after: sent.map(([, at]) => at - (sent[0]?.[1] ?? at)),
    traces: traces(sent, seen, await probeState(from), await probeState(to), { vsync, drawn }),
  };
}

/**
 * Ours: offer, Accept (stamped in the page) → "Received and verified" on the receiver; MB/s, chat latencies
 * (none when `chat` is false: nobody chats, so the file keeps its whole window), and ms from the last file
 * byte's message event to "Received and verified" (the hashes finishing).
 */
async function oursRun(
  from: Page,
  to: Page,
  name: string,
  chat: boolean,
): Promise<{ rate: number; chat: ChatRun; verifyMs: number }> {
  const before = ((await to.evaluate('window.__verified')) as number[]).length;
  await pickFile(from, name, SIZE);
  const accept = to.getByRole('listitem').filter({ hasText: name }).getByRole('button', { name: 'Accept' });
  await accept.waitFor({ timeout: 30_000 });
  const started = (await accept.evaluate((button) => {
    const at = performance.timeOrigin + performance.now();
    (button as HTMLButtonElement).click();
    return at;
  })) as number;
  // One waiting call, as the raw run's: polling the receiving page would give it work the raw run's has not.
  const done = to.evaluate(
    (count) => (window as unknown as { __whenVerified(n: number): Promise<number> }).__whenVerified(count),
    before,
  );
  done.catch(() => undefined); // a failure surfaces through chatWhile's own page calls first
  // A transfer that stops short never shows "verified": say every 30 s where both sides stand.
  const rows = (page: Page) =>
    page.evaluate(() =>
      [...document.querySelectorAll('li')]
        .map((li) => li.textContent.replace(/\s+/g, ' ').trim())
        .filter((row) => row.includes('.bin')),
    );
  const watchdog = setInterval(() => {
    void Promise.all([rows(from), rows(to)]).then(([sending, receiving]) =>
      console.error(`  ${name} after 30 s more: sender ${sending.at(-1)} · receiver ${receiving.at(-1)}`),
    );
  }, 30_000);
  void done.finally(() => clearInterval(watchdog)).catch(() => undefined);
  const profiling = chat ? await startProfile(to) : undefined;
  // Chat for the first CHAT_MS of the transfer (a file paced while people chat would take minutes).
  let chatEnd = Infinity;
  const chatting = Promise.race([done, new Promise((r) => setTimeout(r, CHAT_MS))]).then(
    () => (chatEnd = Date.now()),
  );
  const run = chat
    ? await traceWhile('ours', to, () => chatWhile(from, to, chatting))
    : { latencies: [], inDom: [], traces: [], after: [] };
  await stopProfile(profiling);
  const verified = await done;
  const { got } = await probeState(to);
  let lastByte = NaN;
  for (const [at] of got) if (at <= verified) lastByte = at;
  const bytesBy = (t: number) => got.reduce((bytes, [at, n]) => (at <= t ? n : bytes), 0);
  // While chatting: the file bytes that reached the receiving page over the chat's time.
  const rate =
    chat && chatEnd < verified
      ? (bytesBy(chatEnd) - bytesBy(started)) / 1e6 / ((chatEnd - started) / 1000)
      : SIZE / 1e6 / ((verified - started) / 1000);
  return { rate, chat: run, verifyMs: verified - lastByte };
}

/**
 * The two browsers' clocks, which every latency here compares: `b`'s reading of performance.timeOrigin +
 * now() minus the midpoint of two of `a`'s around it, from the tightest of 10 tries (± half its round trip).
 */
async function clockOffset(a: Page, b: Page): Promise<{ offset: number; error: number }> {
  const stamp = () => performance.timeOrigin + performance.now();
  let best = { offset: NaN, error: Infinity };
  for (let i = 0; i < 10; i++) {
    const a0 = await a.evaluate(stamp);
    const b0 = await b.evaluate(stamp);
    const a1 = await a.evaluate(stamp);
    if ((a1 - a0) / 2 < best.error) best = { offset: b0 - (a0 + a1) / 2, error: (a1 - a0) / 2 };
  }
  return best;
}

const sumOf = (snapshot: CpuSnapshot) =>
  [...snapshot].filter(([k]) => k.endsWith('(process)')).reduce((a, [, ms]) => a + ms, 0) / 1000;

/**
 * Per phase: the machine's busy share of its cores, and for the threads a chat message passes through, CPU
 * ms and ms spent ready but waiting for a core (run-queue delay), per second of the phase.
 */
type Phase = 'idle call' | 'raw' | 'ours' | 'quiet' | 'chat only';
const phases = new Map<
  Phase,
  { cpu: CpuSnapshot; wait: CpuSnapshot; busy: number; all: number; steal: number; ms: number }
>();
function meter(): (phase: Phase) => void {
  const cpu0 = cpuSnapshot();
  const wait0 = cpuSnapshot(process.pid, 'wait');
  const m0 = machineCpu();
  const t0 = Date.now();
  return (phase) => {
    const m1 = machineCpu();
    const p = phases.get(phase) ?? { cpu: new Map(), wait: new Map(), busy: 0, all: 0, steal: 0, ms: 0 };
    addInto(p.cpu, cpuDelta(cpu0, cpuSnapshot()));
    addInto(p.wait, cpuDelta(wait0, cpuSnapshot(process.pid, 'wait')));
    p.busy += m1.busy - m0.busy;
    p.all += m1.busy + m1.idle + m1.steal - (m0.busy + m0.idle + m0.steal);
    p.steal += m1.steal - m0.steal;
    p.ms += Date.now() - t0;
    phases.set(phase, p);
  };
}

const THREADS = [
  'guest renderer main',
  'host extension main',
  'guest renderer WebRTC_W_and_N',
  'host extension WebRTC_W_and_N',
  'guest network Chrome_ChildIOT',
  'host network Chrome_ChildIOT',
];

function printPhases(): void {
  console.log(
    'the machine by phase: cores busy (of 2), steal; per thread CPU ms/s and ms/s waiting for a core (run queue):',
  );
  for (const [phase, p] of phases) {
    const perS = (ms: number) => ((ms * 1000) / p.ms).toFixed(0);
    console.log(
      `  ${phase.padEnd(10)} ${(p.ms / 1000).toFixed(0).padStart(4)} s: busy ${((2 * p.busy) / p.all).toFixed(2)} ` +
        `cores, steal ${((100 * p.steal) / p.all).toFixed(1)}%; ` +
        THREADS.map((t) => `${t} ${perS(p.cpu.get(t) ?? 0)}/${perS(p.wait.get(t) ?? 0)}`).join(', '),
    );
  }
}

const load = () =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');

async function main(): Promise<void> {
  const startLoad = load();
  const server = await startServer({ JOIN_DIR: JOIN_PAGE_DIR });
  const [host, guest] = await Promise.all([
    launchWithExtension({ serverUrl: server.url, dist: EXT_DIR }),
    launchPlain(),
  ]);
  await Promise.all([host.context.addInitScript(PROBE), guest.page.context().addInitScript(PROBE)]);
  try {
    const panel = await host.open('sidepanel.html');
    const join = guest.page;
    await joinedCall(panel, join, 30_000);
    for (const page of [join, panel]) {
      await page.getByRole('button', { name: /^Chat/ }).click();
      await page.evaluate(WATCH);
    }
    await connectRaw(join, panel);
    const clocks = await clockOffset(join, panel);
    console.error('call connected, raw channel open');

    if (!WORKER_FILE) throw new Error('no sha256-worker-*.js in dist/assets: run npm run build');
    const hashRates: Record<'join' | 'panel', number[]> = { join: [], panel: [] };
    /** The page's renderer process's CPU per MiB hashed (the worker's thread is in it; it ends with the digest). */
    const hashCpu: Record<'join' | 'panel', number[]> = { join: [], panel: [] };
    const engines = new Set<string>();
    const handOver: number[] = [];
    for (let run = 0; run < 5; run++)
      for (const [side, page, url] of [
        ['join', join, `/join/assets/${WORKER_FILE}`],
        ['panel', panel, `assets/${WORKER_FILE}`],
      ] as const) {
        const before = cpuSnapshot();
        const { total, main, engine } = await hashRun(page, url);
        const used = cpuDelta(before, cpuSnapshot());
        hashCpu[side].push(
          (used.get(side === 'join' ? 'guest renderer (process)' : 'host extension (process)') ?? 0) /
            HASH_MIB,
        );
        engines.add(`${side} ${engine}`);
        hashRates[side].push((HASH_MIB * 1.048576) / (total / 1000));
        handOver.push(main / HASH_MIB);
      }
    console.error(`hash worker measured, load ${load()}`);

    const idleRun = await chatWhile(join, panel, new Promise((r) => setTimeout(r, 3000)));
    /** The call with no transfer and no chat (the waits for CHAT_ACTIVE_MS): its CPU, and how long. */
    const idleCpu: CpuSnapshot = new Map();
    let idleMs = 0;
    const idleChat = idleRun.latencies;
    const raw: number[] = [];
    const ours: number[] = [];
    const quiet: number[] = [];
    const verifyMs: number[] = [];
    const busyChat: number[] = [];
    /** The same messages, to the receiving page's DOM only (before the frame that draws them). */
    const busyDom: number[] = [];
    const rawDom: number[] = [];
    /** Chat during our transfer: its first 2 s (the file slowing down for it), and after. */
    const busyEarly: number[] = [];
    const busyLater: number[] = [];
    const rawChat: number[] = [];
    const busyTraces: ChatTrace[] = [];
    const rawTraces: ChatTrace[] = [];
    type Variant = 'raw' | 'ours' | 'quiet';
    const variants: Variant[] = ['raw', 'ours', 'quiet'];
    /** CPU ms by thread, and the sending and receiving pages' long tasks (ms), per variant over all runs. */
    const cpu: Record<Variant, CpuSnapshot> = { raw: new Map(), ours: new Map(), quiet: new Map() };
    const wall: Record<Variant, number> = { raw: 0, ours: 0, quiet: 0 };
    /** The file sender's pings on the chat's path (its pacer's round trips), ms. */
    const pings: Record<Variant, number[]> = { raw: [], ours: [], quiet: [] };
    const long: Record<Variant, { send: number[]; recv: number[] }> = {
      raw: { send: [], recv: [] },
      ours: { send: [], recv: [] },
      quiet: { send: [], recv: [] },
    };
    const measured = async <T>(variant: Variant, from: Page, to: Page, run: () => Promise<T>): Promise<T> => {
      const before = cpuSnapshot();
      const t0 = Date.now();
      const phase = meter();
      const result = await run();
      phase(variant);
      const t1 = Date.now();
      addInto(cpu[variant], cpuDelta(before, cpuSnapshot()));
      wall[variant] += t1 - t0;
      for (const [side, page] of [
        ['send', from],
        ['recv', to],
      ] as const) {
        const state = await probeState(page);
        for (const [at, ms] of state.long) if (at >= t0 && at <= t1) long[variant][side].push(ms);
        if (side === 'send')
          for (const [at, ms] of state.rtts) if (at >= t0 && at <= t1) pings[variant].push(ms);
      }
      return result;
    };
    const order: string[] = [];
    for (let run = 0; run < RUNS; run++) {
      // The ceiling before ours in one run and after it in the next (load on the machine drifts), each
      // order in both directions: join page → extension for runs 0, 1, 4, 5…, back for 2, 3, 6, 7…
      const [from, to] = Math.floor(run / 2) % 2 === 0 ? [join, panel] : [panel, join];
      const rawFirst = run % 2 === 0;
      const rawOnce = async () => {
        const r0 = await measured('raw', from, to, () => rawRun(from, to));
        raw.push(r0.rate);
        rawChat.push(...r0.chat.latencies);
        rawDom.push(...r0.chat.inDom);
        rawTraces.push(...r0.chat.traces);
      };
      if (rawFirst) await rawOnce();
      const r = await measured('ours', from, to, () => oursRun(from, to, `bench-${run}.bin`, true));
      ours.push(r.rate);
      verifyMs.push(r.verifyMs);
      busyChat.push(...r.chat.latencies);
      busyDom.push(...r.chat.inDom);
      r.chat.latencies.forEach((ms, i) => (r.chat.after[i]! < 2000 ? busyEarly : busyLater).push(ms));
      busyTraces.push(...r.chat.traces);
      // Nobody chatting for CHAT_ACTIVE_MS: the file has its whole window again.
      const idleBefore = cpuSnapshot();
      const idleStart = Date.now();
      const idlePhase = meter();
      await new Promise((r) => setTimeout(r, CHAT_ACTIVE_MS + 1000));
      idlePhase('idle call');
      addInto(idleCpu, cpuDelta(idleBefore, cpuSnapshot()));
      idleMs += Date.now() - idleStart;
      const q = await measured('quiet', from, to, () => oursRun(from, to, `quiet-${run}.bin`, false));
      quiet.push(q.rate);
      verifyMs.push(q.verifyMs);
      if (!rawFirst) await rawOnce();
      order.push(`${from === join ? 'join→panel' : 'panel→join'} ${rawFirst ? 'raw first' : 'raw last'}`);
      console.error(
        `run ${run + 1}/${RUNS} (${order.at(-1)}): raw ${raw.at(-1)!.toFixed(1)} MB/s, ours ` +
          `${r.rate.toFixed(1)} MB/s while chatting, ${q.rate.toFixed(1)} MB/s without chat, load ${load()}`,
      );
    }

    // The same chat with no transfer, after the runs: the load then, and a log as full as during the runs
    // (500 messages), which each new message lays out again.
    const lateBefore = cpuSnapshot();
    const lateStart = Date.now();
    const latePhase = meter();
    const lateRun = await traceWhile('chat only', panel, () =>
      chatWhile(join, panel, new Promise((r) => setTimeout(r, 10_000))),
    );
    const lateCpu = cpuDelta(lateBefore, cpuSnapshot());
    latePhase('chat only');
    const lateMs = Date.now() - lateStart;
    const lost = [...busyChat, ...idleChat, ...rawChat, ...lateRun.latencies].filter(
      (v) => v === Infinity,
    ).length;
    const rawS = summarize(raw);
    const oursS = summarize(ours);
    const idle = summarize(idleChat.filter(Number.isFinite));
    const busy = summarize(busyChat.filter(Number.isFinite));
    const besideRaw = summarize(rawChat.filter(Number.isFinite));
    console.log(`build: ${EXT_DIR} and ${JOIN_PAGE_DIR}`);
    console.log(`load average (1/5/15 min) at the start ${startLoad}, at the end ${load()}`);
    console.log(
      `clocks: side panel − join page ${clocks.offset.toFixed(2)} ms (± ${clocks.error.toFixed(2)} ms)`,
    );
    console.log(`${MIB} MiB per transfer, ${RUNS} runs: ${order.join(', ')}`);
    console.log(HEADER);
    console.log(formatRow('raw data channel (ceiling)', rawS, 'MB/s'));
    console.log(formatRow('Diyalog file transfer, chat beside', oursS, 'MB/s'));
    console.log(formatRow('Diyalog file transfer, no chat', summarize(quiet), 'MB/s'));
    console.log(formatRow('chat latency, no transfer', idle));
    console.log(
      formatRow('chat latency, no transfer, after', summarize(lateRun.latencies.filter(Number.isFinite))),
    );
    console.log(formatRow('chat latency, during raw transfer', besideRaw));
    console.log(formatRow('chat latency, during transfer', busy));
    console.log(formatRow('  its first 2 s', summarize(busyEarly.filter(Number.isFinite))));
    console.log(formatRow('  after its first 2 s', summarize(busyLater.filter(Number.isFinite))));
    console.log(
      formatRow('  to the DOM only (before its frame)', summarize(busyDom.filter(Number.isFinite))),
    );
    console.log(formatRow('  during raw, to the DOM only', summarize(rawDom.filter(Number.isFinite))));
    console.log(
      formatRow('  no transfer, after, to the DOM only', summarize(lateRun.inDom.filter(Number.isFinite))),
    );
    console.log(formatRow(`SHA-256 worker, join page (${HASH_MIB} MiB)`, summarize(hashRates.join), 'MB/s'));
    console.log(formatRow(`SHA-256 worker, side panel`, summarize(hashRates.panel), 'MB/s'));
    console.log(formatRow('  page main thread per MiB handed', summarize(handOver)));
    console.log(formatRow('SHA-256, join page renderer CPU per MiB', summarize(hashCpu.join)));
    console.log(formatRow('SHA-256, side panel renderer CPU per MiB', summarize(hashCpu.panel)));
    console.log(`SHA-256 engines: ${[...engines].join(', ')}`);
    console.log(formatRow('last file byte → verified', summarize(verifyMs)));
    for (const [label, list] of [
      ['no transfer, after the runs', lateRun.traces],
      ['during raw transfer', rawTraces],
      ['during transfer', busyTraces],
    ] as const) {
      console.log(`where chat time goes, ${label} (${list.length} messages traced):`);
      console.log(formatRow('  Enter → send()', summarize(list.map((t) => t.sendMs))));
      console.log(formatRow('  send() → message event', summarize(list.map((t) => t.wireMs))));
      console.log(formatRow('  message event → shown', summarize(list.map((t) => t.showMs))));
      console.log(formatRow("  shown → its frame's vsync", summarize(list.map((t) => t.vsyncMs))));
      console.log(formatRow('  vsync → frame committed', summarize(list.map((t) => t.frameMs))));
      console.log(formatRow('  receiver timer lateness', summarize(list.map((t) => t.lagMs))));
      console.log(formatRow('  file bufferedAmount', summarize(list.map((t) => t.buffered / 1024)), 'KiB'));
      console.log(formatRow('  file bytes overtaken', summarize(list.map((t) => t.overtaken / 1024)), 'KiB'));
      console.log(
        formatRow('  file bytes not yet read there', summarize(list.map((t) => t.backlog / 1024)), 'KiB'),
      );
    }
    if (pings.ours.length > 0)
      console.log(formatRow("file sender's ping round trips, chat path", summarize(pings.ours)));
    // The call itself (video both ways, stats) costs CPU every second: what a transfer adds is its CPU
    // minus the idle call's rate over the transfer's wall time, per MiB sent.
    console.log(
      `CPU ms per MiB above the idle call, by process and thread (both browsers; raw / ours with chat / ` +
        `ours without chat; the idle call took ${((sumOf(idleCpu) * 1e6) / idleMs).toFixed(0)} ms/s over ` +
        `${(idleMs / 1000).toFixed(0)} s; transfers took ${variants.map((v) => (wall[v] / 1000 / RUNS).toFixed(1)).join(' / ')} s each):`,
    );
    const keys = new Set(variants.flatMap((v) => [...cpu[v].keys()]));
    const per = (v: Variant, key: string) =>
      ((cpu[v].get(key) ?? 0) - ((idleCpu.get(key) ?? 0) * wall[v]) / idleMs) / (RUNS * MIB);
    const row = (label: string, f: (v: Variant) => number) =>
      console.log(`  ${label.padEnd(44)} ${variants.map((v) => f(v).toFixed(1).padStart(7)).join(' ')}`);
    row('all processes', (v) =>
      [...keys].filter((k) => k.endsWith('(process)')).reduce((a, k) => a + per(v, k), 0),
    );
    const top = [...keys].sort((a, b) => per('ours', b) - per('ours', a)).slice(0, 24);
    // The SHA-256 workers (a dedicated worker's thread) too: what the raw ceiling does not do.
    for (const key of [...top, ...[...keys].filter((k) => k.includes('DedicatedWork') && !top.includes(k))])
      row(key, (v) => per(v, key));
    // What one chat message costs with no transfer (10 a second for 10 s, after the runs), beyond the idle call.
    const perMessage = (key: string) =>
      ((lateCpu.get(key) ?? 0) - ((idleCpu.get(key) ?? 0) * lateMs) / idleMs) / lateRun.latencies.length;
    console.log(
      `CPU ms per chat message with no transfer (${lateRun.latencies.length} messages, join page → side panel): ` +
        ['guest renderer main', 'host extension main', 'guest renderer (process)', 'host extension (process)']
          .map((key) => `${key} ${perMessage(key).toFixed(1)}`)
          .join(', ') +
        `, all processes ${[...lateCpu.keys()]
          .filter((k) => k.endsWith('(process)'))
          .reduce((a, k) => a + perMessage(k), 0)
          .toFixed(1)}`,
    );
    for (const v of variants)
      for (const side of ['send', 'recv'] as const) {
        const list = long[v][side];
        console.log(
          `long tasks, ${v}, ${side === 'send' ? 'sending' : 'receiving'} page: ${list.length} per ` +
            `${RUNS} transfers, ${list.reduce((a, b) => a + b, 0).toFixed(0)} ms in all, ` +
            `max ${Math.max(0, ...list).toFixed(0)} ms`,
        );
      }
    printPhases();
    printTraces();
    if (PROFILE) {
      console.log(`receiving page's main thread during our transfers (sampled ${profiledMs.toFixed(0)} ms):`);
      for (const [key, ms] of [...profileTotals].sort((a, b) => b[1] - a[1]).slice(0, 25))
        console.log(
          `  ${ms.toFixed(0).padStart(7)} ms  ${((100 * ms) / profiledMs).toFixed(1).padStart(5)}%  ${key}`,
        );
    }
    const pairedQuiet = summarize(quiet.map((v, i) => v / raw[i]!));
    console.log(
      `ratio ours without chat / raw per run: min ${pairedQuiet.min.toFixed(2)} / median ` +
        `${pairedQuiet.median.toFixed(2)} / max ${pairedQuiet.max.toFixed(2)} (target ≥ 0.80)`,
    );
    const paired = summarize(ours.map((v, i) => v / raw[i]!));
    console.log(
      `ratio ours while chatting / raw per run (same direction, back to back): min ${paired.min.toFixed(2)} / median ` +
        `${paired.median.toFixed(2)} / p95 ${paired.p95.toFixed(2)} / max ${paired.max.toFixed(2)}; ` +
        `chat p95 during ours / during raw: ${(busy.p95 / besideRaw.p95).toFixed(2)}`,
    );
    console.log(
      `ratio ours while chatting / raw (medians): ${(oursS.median / rawS.median).toFixed(2)}; ` +
        `chat p95 during transfer ${busy.p95.toFixed(1)} ms (target ≤ 50), ${(busy.p95 / idle.p95).toFixed(2)}× idle p95; ` +
        `chat messages not shown: ${lost}`,
    );
  } finally {
    await Promise.all([host.close(), guest.browser.close()]);
    await server.close();
  }
}

await main();
