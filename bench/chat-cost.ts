/**
 * npx tsx bench/chat-cost.ts — where one chat message's CPU goes, in both pages of a call (join page ↔
 * extension side panel), from Chromium traces of both browsers at once: each window (the idle call; chat at
 * 10 messages a second; a file transfer; the transfer with chat beside it) is traced for the same time, and
 * a window's CPU by process, thread and kind of work minus the idle call's, per message, is what a message
 * costs. Messages are typed by a timer inside the sending page (no DevTools call per message, so the harness
 * costs the sender nothing), and the receiving page only watches for the text in a MutationObserver (latency:
 * Enter → the receiving page has committed the frame that draws it).
 *   CHAT_FILL=500: fill the log before measuring (as full as bench:transfer's log gets)
 *   CHAT_N=50 (messages per window)   CHAT_MIB=100 (the file)   BENCH_DIST= BENCH_JOIN_DIR= (another build)
 *   CHAT_RAW=1: also keep each window's trace as /tmp/chat-cost-<window>-<page>.json
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { CDPSession, Page } from 'playwright-core';
import { joinedCall } from '../tests/support/call-flow.js';
import { pickFile } from './lib/pick-file.js';
import { DIST, launchPlain, launchWithExtension } from '../tests/support/chromium.js';
import { JOIN_DIR, startServer } from '../tests/support/server.js';
import { cpuDelta, cpuSnapshot, type CpuSnapshot } from './lib/cpu-threads.js';
import { CHAT_ACTIVE_MS } from '../src/call/files/limits.js';

const EXT_DIR = process.env.BENCH_DIST ?? DIST;
const JOIN_PAGE_DIR = process.env.BENCH_JOIN_DIR ?? JOIN_DIR;
const N = Number(process.env.CHAT_N ?? 50);
const MIB = Number(process.env.CHAT_MIB ?? 100);
const EVERY_MS = 100;
const RAW = process.env.CHAT_RAW === '1';

const CATEGORIES = [
  'toplevel',
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'blink',
  'cc',
  'gpu',
  'viz',
  'v8',
];

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: {
    name?: string;
    data?: { functionName?: string; url?: string; lineNumber?: number; type?: string };
  };
}

async function startTrace(page: Page): Promise<CDPSession> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Tracing.start', {
    transferMode: 'ReturnAsStream',
    traceConfig: { includedCategories: CATEGORIES, recordMode: 'recordContinuously' },
  });
  return cdp;
}

async function stopTrace(cdp: CDPSession): Promise<TraceEvent[]> {
  const complete = new Promise<string>((resolve) =>
    cdp.once('Tracing.tracingComplete', (e: { stream?: string }) => resolve(e.stream ?? '')),
  );
  await cdp.send('Tracing.end');
  const stream = await complete;
  const parts: string[] = [];
  for (;;) {
    const chunk = (await cdp.send('IO.read', { handle: stream, size: 4 << 20 })) as {
      data: string;
      eof: boolean;
      base64Encoded?: boolean;
    };
    parts.push(chunk.base64Encoded ? Buffer.from(chunk.data, 'base64').toString() : chunk.data);
    if (chunk.eof) break;
  }
  await cdp.send('IO.close', { handle: stream });
  await cdp.detach();
  const parsed = JSON.parse(parts.join('')) as TraceEvent[] | { traceEvents: TraceEvent[] };
  return Array.isArray(parsed) ? parsed : parsed.traceEvents;
}

/** CPU µs (self, from thread time) by "process · thread · event", and each thread's top-level task CPU. */
function breakdown(events: TraceEvent[]): Map<string, number> {
  const procName = new Map<number, string>();
  const threadName = new Map<string, string>();
  for (const e of events) {
    if (e.ph !== 'M') continue;
    if (e.name === 'process_name') procName.set(e.pid, e.args?.name ?? '?');
    if (e.name === 'thread_name') threadName.set(`${e.pid}:${e.tid}`, e.args?.name ?? '?');
  }
  // Renderers: the one with the extension's pages and the join page's are told apart by their frames.
  const rendererOf = new Map<number, string>();
  for (const e of events) {
    const frames = (e.args?.data as { frames?: { processId?: number; url?: string }[] } | undefined)?.frames;
    for (const f of frames ?? [])
      if (f.processId !== undefined && f.url)
        rendererOf.set(
          f.processId,
          f.url.startsWith('chrome-extension:')
            ? 'panel renderer'
            : f.url.startsWith('http')
              ? 'join renderer'
              : 'renderer',
        );
  }
  const out = new Map<string, number>();
  const add = (k: string, us: number) => out.set(k, (out.get(k) ?? 0) + us);
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of events) {
    if (e.ph !== 'X' || e.dur === undefined) continue;
    const k = `${e.pid}:${e.tid}`;
    const list = byThread.get(k) ?? [];
    list.push(e);
    byThread.set(k, list);
  }
  for (const [k, list] of byThread) {
    const pid = Number(k.split(':')[0]);
    const proc = rendererOf.get(pid) ?? procName.get(pid) ?? `pid ${pid}`;
    const thread = (threadName.get(k) ?? '?').replace(/\d+$/, '');
    list.sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
    const stack: { e: TraceEvent; end: number; child: number }[] = [];
    const cpuOf = (e: TraceEvent) => e.tdur ?? e.dur!;
    const close = (upTo: number) => {
      while (stack.length && stack.at(-1)!.end <= upTo) {
        const { e, child } = stack.pop()!;
        let name = e.name;
        if (name === 'FunctionCall') {
          const d = e.args?.data;
          name = `FunctionCall ${d?.functionName || '(anon)'} ${(d?.url ?? '').split('/').pop()}:${d?.lineNumber ?? ''}`;
        } else if (name === 'EventDispatch') name = `EventDispatch ${e.args?.data?.type ?? ''}`;
        add(`${proc} · ${thread} · ${name}`, Math.max(0, cpuOf(e) - child));
        const parent = stack.at(-1);
        if (parent) parent.child += cpuOf(e);
        else add(`${proc} · ${thread} · (all tasks)`, cpuOf(e));
      }
    };
    for (const e of list) {
      close(e.ts);
      stack.push({ e, end: e.ts + e.dur!, child: 0 });
    }
    close(Infinity);
  }
  return out;
}

/** In the receiving page: when each "bench n" text is added (a MutationObserver, nothing else). */
const WATCH = `(() => {
  window.__chatSeen = {};
  window.__chatFramed = {};
  new MutationObserver((records) => {
    const now = performance.timeOrigin + performance.now();
    for (const record of records)
      for (const node of record.addedNodes) {
        if (node.nodeType !== 1) continue;
        const texts = node.matches('p.text') ? [node] : node.querySelectorAll('p.text');
        for (const p of texts) {
          const t = p.textContent;
          if (t.startsWith('bench ') && !(t in window.__chatSeen)) {
            window.__chatSeen[t] = now;
            // Once the frame that draws it is committed (a task queued from its animation callback).
            requestAnimationFrame(() => {
              const c = new MessageChannel();
              c.port1.onmessage = () => (window.__chatFramed[t] = performance.timeOrigin + performance.now());
              c.port2.postMessage(0);
            });
          }
        }
      }
  }).observe(document.body, { subtree: true, childList: true });
})(); 0;`;

let counter = 0;
/** In the sending page: N messages, one per EVERY_MS, typed and sent with Enter by a timer there. */
async function chat(from: Page, to: Page): Promise<number[]> {
  const first = counter + 1;
  counter += N;
  const sent = (await from.evaluate(
    ({ first, n, every }) =>
      new Promise<number[]>((resolve) => {
        const box = document.querySelector<HTMLTextAreaElement>('textarea#chat-message')!;
        const at: number[] = [];
        const timer = setInterval(() => {
          box.value = `bench ${first + at.length}`;
          box.dispatchEvent(new Event('input', { bubbles: true }));
          at.push(performance.timeOrigin + performance.now());
          box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
          if (at.length === n) {
            clearInterval(timer);
            resolve(at);
          }
        }, every);
      }),
    { first, n: N, every: EVERY_MS },
  )) as number[];
  await new Promise((r) => setTimeout(r, 500));
  const seen = (await to.evaluate('window.__chatFramed')) as Record<string, number>;
  return sent.map((at, i) => (seen[`bench ${first + i}`] ?? Infinity) - at);
}

async function startFile(from: Page, to: Page, name: string): Promise<void> {
  await pickFile(from, name, MIB * 1024 * 1024);
  const accept = to.getByRole('listitem').filter({ hasText: name }).getByRole('button', { name: 'Accept' });
  await accept.click({ timeout: 30_000 });
}

const load = () =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');
const pct = (list: number[], p: number) => {
  const s = list.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
};

type Window = 'idle' | 'chat' | 'file' | 'file+chat';

async function main(): Promise<void> {
  const server = await startServer({ JOIN_DIR: JOIN_PAGE_DIR });
  const [host, guest] = await Promise.all([
    launchWithExtension({ serverUrl: server.url, dist: EXT_DIR }),
    launchPlain(),
  ]);
  const results = new Map<
    Window,
    { trace: Map<string, number>; proc: CpuSnapshot; ms: number; lat: number[] }
  >();
  try {
    const panel = await host.open('sidepanel.html');
    const join = guest.page;
    await joinedCall(panel, join, 30_000);
    for (const page of [join, panel]) {
      await page.getByRole('button', { name: /^Chat/ }).click();
      await page.evaluate(WATCH);
    }
    console.error(`call connected, load ${load()}`);
    // A log as full as bench:transfer's gets (500 kept), sent before anything is traced.
    const fill = Number(process.env.CHAT_FILL ?? 0);
    if (fill > 0) {
      for (let i = 0; i < fill; i += N) await chat(join, panel);
      await new Promise((r) => setTimeout(r, CHAT_ACTIVE_MS + 1000));
    }
    const window = async (name: Window, during: () => Promise<number[]>) => {
      const cdps = await Promise.all([startTrace(join), startTrace(panel)]);
      const before = cpuSnapshot();
      const t0 = Date.now();
      const lat = await during();
      const ms = Date.now() - t0;
      const proc = cpuDelta(before, cpuSnapshot());
      const [a, b] = await Promise.all(cdps.map(stopTrace));
      if (RAW) {
        writeFileSync(`/tmp/chat-cost-${name}-join.json`, JSON.stringify(a));
        writeFileSync(`/tmp/chat-cost-${name}-panel.json`, JSON.stringify(b));
      }
      const trace = breakdown(a!);
      for (const [k, v] of breakdown(b!)) trace.set(k, (trace.get(k) ?? 0) + v);
      results.set(name, { trace, proc, ms, lat });
      console.error(`${name}: ${ms} ms, load ${load()}`);
    };
    const span = N * EVERY_MS + 500;
    await window('idle', async () => {
      await new Promise((r) => setTimeout(r, span));
      return [];
    });
    await window('chat', () => chat(join, panel));
    // Quiet for the pacing's window, then a file from the join page at full speed, then with chat beside it.
    await new Promise((r) => setTimeout(r, CHAT_ACTIVE_MS + 1000));
    await startFile(join, panel, 'cost-1.bin');
    await new Promise((r) => setTimeout(r, 1000));
    await window('file', async () => {
      await new Promise((r) => setTimeout(r, span));
      return [];
    });
    await new Promise((r) => setTimeout(r, CHAT_ACTIVE_MS + 1000));
    await startFile(join, panel, 'cost-2.bin');
    await new Promise((r) => setTimeout(r, 1000));
    await window('file+chat', () => chat(join, panel));

    const idle = results.get('idle')!;
    const chatW = results.get('chat')!;
    const names: Window[] = ['idle', 'chat', 'file', 'file+chat'];
    console.log(`build: ${EXT_DIR} and ${JOIN_PAGE_DIR}; load at the end ${load()}`);
    for (const name of ['chat', 'file+chat'] as const) {
      const w = results.get(name)!;
      console.log(
        `chat latency, ${name === 'chat' ? 'no transfer' : 'during a transfer'} (Enter → drawn in a frame of the other page, ${N} messages): ` +
          `p50 ${pct(w.lat, 50).toFixed(1)} / p95 ${pct(w.lat, 95).toFixed(1)} / max ${Math.max(...w.lat).toFixed(1)} ms`,
      );
    }
    const perS = (w: { ms: number }, v: number) => (v * 1000) / w.ms;
    const table = (
      title: string,
      unit: number,
      get: (name: Window, key: string) => number,
      keys: string[],
      min: number,
    ) => {
      console.log(`\n${title}`);
      console.log(
        `  ${'per msg'.padStart(7)} ${names.map((n) => n.padStart(9)).join(' ')}   (ms per second of each window; per msg: (chat − idle) / ${N})`,
      );
      const rows = keys
        .map((k) => {
          const s = names.map((n) => perS(results.get(n)!, get(n, k)) / unit);
          const msg = (get('chat', k) - (get('idle', k) * chatW.ms) / idle.ms) / unit / N;
          return { k, s, msg };
        })
        .filter((r) => Math.abs(r.msg) >= min || r.s.some((v) => v >= min * 10))
        .sort((a, b) => b.msg - a.msg || b.s[3]! - a.s[3]!);
      for (const r of rows)
        console.log(
          `  ${r.msg.toFixed(2).padStart(7)} ${r.s.map((v) => v.toFixed(1).padStart(9)).join(' ')}   ${r.k}`,
        );
    };
    const procKeys = [...new Set(names.flatMap((n) => [...results.get(n)!.proc.keys()]))].sort();
    table('/proc CPU by process and thread', 1, (n, k) => results.get(n)!.proc.get(k) ?? 0, procKeys, 0.3);
    const traceKeys = [...new Set(names.flatMap((n) => [...results.get(n)!.trace.keys()]))];
    table(
      'traced self CPU by process · thread · event',
      1000,
      (n, k) => results.get(n)!.trace.get(k) ?? 0,
      traceKeys,
      0.05,
    );
  } finally {
    await Promise.all([host.close(), guest.browser.close()]);
    await server.close();
  }
}

await main();
