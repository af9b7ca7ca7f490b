import type { CDPSession, Page } from 'playwright-core';

/**
 * What one page's main thread does over a stretch of time, from a Chromium trace (CDP Tracing): its tasks
 * (wall time and the CPU time the thread really ran), and the time by kind of work (self time of the
 * devtools timeline's events: message events, timers, style, layout, paint, GC…). A task whose wall time is
 * far above its CPU time waited for a core (the machine's load), not for the page's own work.
 */
interface TraceEvent {
  name: string;
  cat: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string; data?: { type?: string; frames?: { processId?: number; url?: string }[] } };
}

export interface MainThreadSummary {
  /** Microseconds traced (first to last event on the thread). */
  span: number;
  tasks: { n: number; wall: number; cpu: number; over50: number; over50Wall: number; over50Cpu: number };
  /** Tasks' wall durations (ms), for a distribution. */
  taskWalls: number[];
  /** Self wall and CPU µs by event name (message events split by type). */
  byKind: Map<string, { wall: number; cpu: number; n: number }>;
}

const CATEGORIES = ['toplevel', 'devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8'];

export async function startTrace(page: Page): Promise<CDPSession> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Tracing.start', {
    transferMode: 'ReturnAsStream',
    traceConfig: { includedCategories: CATEGORIES, recordMode: 'recordContinuously' },
  });
  return cdp;
}

export async function stopTrace(cdp: CDPSession, url: string): Promise<MainThreadSummary | undefined> {
  const complete = new Promise<string>((resolve) =>
    cdp.once('Tracing.tracingComplete', (e: { stream?: string }) => resolve(e.stream ?? '')),
  );
  await cdp.send('Tracing.end');
  const stream = await complete;
  let text = '';
  for (;;) {
    const chunk = (await cdp.send('IO.read', { handle: stream, size: 4 << 20 })) as {
      data: string;
      eof: boolean;
      base64Encoded?: boolean;
    };
    text += chunk.base64Encoded ? Buffer.from(chunk.data, 'base64').toString() : chunk.data;
    if (chunk.eof) break;
  }
  await cdp.send('IO.close', { handle: stream });
  await cdp.detach();
  const parsed = JSON.parse(text) as TraceEvent[] | { traceEvents: TraceEvent[] };
  return summarizeTrace(Array.isArray(parsed) ? parsed : parsed.traceEvents, url);
}

/** The main thread of the renderer showing `url` (from the trace's frame list). */
export function summarizeTrace(events: TraceEvent[], url: string): MainThreadSummary | undefined {
  let pid: number | undefined;
  for (const e of events)
    for (const f of e.args?.data?.frames ?? []) if (f.url && url.startsWith(f.url)) pid ??= f.processId;
  const tid = events.find(
    (e) => e.pid === pid && e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain',
  )?.tid;
  if (pid === undefined || tid === undefined) return undefined;
  const mine = events
    .filter((e) => e.pid === pid && e.tid === tid && e.ph === 'X' && e.dur !== undefined)
    .sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  const summary: MainThreadSummary = {
    span: mine.length ? mine.at(-1)!.ts + mine.at(-1)!.dur! - mine[0]!.ts : 0,
    tasks: { n: 0, wall: 0, cpu: 0, over50: 0, over50Wall: 0, over50Cpu: 0 },
    taskWalls: [],
    byKind: new Map(),
  };
  // Nesting on one thread: a stack of open events; each one's self time is its time minus its children's.
  const stack: { e: TraceEvent; end: number; childWall: number; childCpu: number }[] = [];
  const close = (upTo: number) => {
    while (stack.length && stack.at(-1)!.end <= upTo) {
      const { e, childWall, childCpu } = stack.pop()!;
      const wall = e.dur! - childWall;
      const cpu = (e.tdur ?? e.dur!) - childCpu;
      const kind = e.name === 'EventDispatch' ? `EventDispatch ${e.args?.data?.type ?? ''}` : e.name;
      const k = summary.byKind.get(kind) ?? { wall: 0, cpu: 0, n: 0 };
      k.wall += wall;
      k.cpu += cpu;
      k.n += 1;
      summary.byKind.set(kind, k);
      const parent = stack.at(-1);
      if (parent) {
        parent.childWall += e.dur!;
        parent.childCpu += e.tdur ?? e.dur!;
      }
    }
  };
  for (const e of mine) {
    close(e.ts);
    if (stack.length === 0) {
      const cpu = e.tdur ?? e.dur!;
      summary.tasks.n += 1;
      summary.tasks.wall += e.dur!;
      summary.tasks.cpu += cpu;
      summary.taskWalls.push(e.dur! / 1000);
      if (e.dur! > 50_000) {
        summary.tasks.over50 += 1;
        summary.tasks.over50Wall += e.dur!;
        summary.tasks.over50Cpu += cpu;
      }
    }
    stack.push({ e, end: e.ts + e.dur!, childWall: 0, childCpu: 0 });
  }
  close(Infinity);
  return summary;
}
