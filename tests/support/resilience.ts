import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { hashId } from '../../peer-server/src/log.js';
import { freeLoopbackPort, stopProcess } from './redis.js';
import { JOIN_DIR } from './server.js';

/*
 * Helpers for the resilience tests and bench:recovery: the peer-server as a real process that can be
 * SIGKILLed and started again on the same port, a probe injected into pages (pending timers, the page's
 * RTCPeerConnections), live-object counts through DevTools, and in-page timing of the first frame after a
 * fault ends.
 */

const MAIN = resolve(import.meta.dirname, '../../peer-server/src/main.ts');

/** One JSON log line of the server, stamped with when this process read it (`Date.now()`). */
export interface ServerLogEvent {
  readonly event: string;
  readonly id?: string;
  readonly room?: string;
  readonly at: number;
  readonly [key: string]: unknown;
}

export interface ServerProcess {
  readonly url: string;
  readonly port: number;
  /** What stands for a room or peer id in the log lines (they hold keyed hashes, never ids). */
  logId(id: string): string;
  /** Every log line of every run of the server so far, in order. */
  readonly events: readonly ServerLogEvent[];
  /** Whether a server process is running. */
  readonly running: boolean;
  /** Starts the server (again) on the same port; resolves to `Date.now()` when it listens. */
  start(): Promise<number>;
  /** Sends `signal` (SIGKILL: a crash; SIGTERM: a graceful stop) and waits for the process to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** The first event at or after `since` matching `match`, waiting up to `timeoutMs` for it. */
  waitForEvent(
    match: (event: ServerLogEvent) => boolean,
    options?: { since?: number; timeoutMs?: number },
  ): Promise<ServerLogEvent>;
}

/** The key our test servers hash log ids with, so that tests can find a room's lines. */
const LOG_ID_KEY = 'diyalog-test-log-key';

/**
 * `peer-server/src/main.ts` in a process of its own, as production runs it, on a fixed port so that a
 * restart keeps the URL clients know. `host` defaults to 127.0.0.1 (a netns lab passes its `serverHost`).
 */
export async function startServerProcess(
  options: { host?: string; port?: number; env?: Record<string, string> } = {},
): Promise<ServerProcess> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? (await freeLoopbackPort());
  const events: ServerLogEvent[] = [];
  let child: ChildProcess | undefined;

  async function start(attempt = 1): Promise<number> {
    if (child) throw new Error('the server is already running');
    const since = Date.now();
    let stderr = '';
    const proc = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      env: {
        PATH: process.env.PATH ?? '',
        HOST: host,
        PORT: String(port),
        JOIN_DIR,
        LOG_ID_KEY,
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let partial = '';
    proc.stdout?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      const at = Date.now();
      for (const line of lines) {
        try {
          events.push({ ...(JSON.parse(line) as { event: string }), at });
        } catch {
          // not a log line
        }
      }
    });
    proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    proc.once('exit', () => {
      if (child === proc) child = undefined;
    });
    // Readiness, not speed: tsx compiles the server at each start, which took over 20 s at load 19 (the
    // bench:recovery run of 2026-12-06 09:09 died there). Timings are taken from 'server-started' on.
    const deadline = since + 60_000;
    for (;;) {
      const started = events.find((e) => e.event === 'server-started' && e.at >= since);
      if (started) return started.at;
      if (proc.exitCode !== null || proc.signalCode !== null || Date.now() > deadline) {
        if (proc.exitCode === null) proc.kill('SIGKILL');
        child = undefined;
        // Right after a crash the port may still be held for a moment: try again.
        if (/cannot listen/.test(stderr) && attempt < 20) {
          await sleep(100);
          return start(attempt + 1);
        }
        throw new Error(`the server process did not start:\n${stderr}`);
      }
      await sleep(20);
    }
  }

  await start();
  return {
    url: `http://${host}:${port}`,
    port,
    logId: (id) => hashId(LOG_ID_KEY, id),
    events,
    get running() {
      return child !== undefined;
    },
    start,
    async stop(signal = 'SIGTERM') {
      const proc = child;
      if (!proc) return;
      if (signal === 'SIGTERM') {
        await stopProcess(proc);
      } else {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill(signal);
        await exited;
      }
      child = undefined;
    },
    async waitForEvent(match, { since = 0, timeoutMs = 10_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = events.find((e) => e.at >= since && match(e));
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching server log event within ${timeoutMs} ms`);
        await sleep(20);
      }
    },
  };
}

/** Killing the server stays with the test: a vitest worker that dies must not leave it running. */
export function stopOnExit(server: ServerProcess): void {
  process.once('exit', () => {
    if (server.running) void server.stop('SIGKILL');
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface ProbeWindow {
  __diyalogProbe?: {
    timers(): { timeouts: number; intervals: number };
    peerConnections(): RTCPeerConnection[];
    readonly NativePeerConnection: typeof RTCPeerConnection;
  };
}

/**
 * An init script for a page (or a whole context): counts pending timeouts and intervals, and keeps weak
 * references to every RTCPeerConnection the page makes (weak, so that the probe keeps nothing alive).
 * With `noIceRestart`, `restartIce()` does nothing and offers never ask for an ICE restart: a baseline
 * peer connection that can only recover the way a plain one does. Plain JavaScript in a string: tsx
 * would wrap named functions in a `__name` helper the page does not have.
 */
export function pageProbe(options: { noIceRestart: boolean }): string {
  return `(() => {
  if (window.__diyalogProbe) return;
  const noIceRestart = ${JSON.stringify(options.noIceRestart)};
  const pending = new Map();
  const setT = window.setTimeout, clearT = window.clearTimeout;
  const setI = window.setInterval, clearI = window.clearInterval;
  window.setTimeout = function (handler, ms, ...args) {
    if (typeof handler !== 'function') return setT.call(window, handler, ms, ...args);
    const id = setT.call(window, function (...a) { pending.delete(id); return handler.apply(this, a); }, ms, ...args);
    pending.set(id, 'timeout');
    return id;
  };
  window.setInterval = function (handler, ms, ...args) {
    const id = setI.call(window, handler, ms, ...args);
    pending.set(id, 'interval');
    return id;
  };
  window.clearTimeout = function (id) { pending.delete(id); return clearT.call(window, id); };
  window.clearInterval = function (id) { pending.delete(id); return clearI.call(window, id); };

  const Native = window.RTCPeerConnection;
  if (!Native) return;
  if (noIceRestart) {
    Native.prototype.restartIce = function () {};
    const createOffer = Native.prototype.createOffer;
    Native.prototype.createOffer = function (offerOptions, ...rest) {
      if (offerOptions && typeof offerOptions === 'object' && 'iceRestart' in offerOptions) {
        offerOptions = { ...offerOptions, iceRestart: false };
      }
      return createOffer.call(this, offerOptions, ...rest);
    };
  }
  const refs = [];
  const Probed = class extends Native {
    constructor(...a) { super(...a); refs.push(new WeakRef(this)); }
  };
  window.RTCPeerConnection = Probed;
  window.__diyalogProbe = {
    timers() {
      let timeouts = 0, intervals = 0;
      for (const kind of pending.values()) kind === 'timeout' ? timeouts++ : intervals++;
      return { timeouts, intervals };
    },
    peerConnections() { return refs.map((r) => r.deref()).filter((pc) => pc !== undefined); },
    NativePeerConnection: Native,
  };
})();`;
}

/** Installs `pageProbe` in every page the context opens from now on. */
export async function probeContext(context: BrowserContext, noIceRestart = false): Promise<void> {
  await context.addInitScript({ content: pageProbe({ noIceRestart }) });
}

/** The ICE user fragments of the page's newest open peer connection, from its current descriptions. */
export async function iceUfrags(page: Page): Promise<{ local: string; remote: string; state: string }> {
  return page.evaluate(() => {
    const probe = (window as unknown as ProbeWindow).__diyalogProbe;
    if (!probe) throw new Error('no probe in this page: probeContext() before it opened');
    const pc = probe
      .peerConnections()
      .filter((p) => p.connectionState !== 'closed')
      .at(-1);
    if (!pc) throw new Error('no open RTCPeerConnection');
    const pattern = /a=ice-ufrag:(\S+)/;
    return {
      local: pattern.exec(pc.currentLocalDescription?.sdp ?? '')?.[1] ?? '',
      remote: pattern.exec(pc.currentRemoteDescription?.sdp ?? '')?.[1] ?? '',
      state: `${pc.signalingState}/${pc.connectionState}`,
    };
  });
}

/**
 * How long the remote video's frames waited in the receiver's jitter buffer over the last `ms` (the mean of
 * `jitterBufferDelay` per frame emitted, from the page's newest open peer connection), and the buffer's
 * own target over the same frames. After an outage heals, Chromium can hold video for 0.5–1.5 s while its
 * target stays near 15 ms, and works that backlog off over several seconds: until then, a cut shows in the
 * picture that much later than it happens on the wire.
 */
export async function videoJitterBuffer(
  page: Page,
  ms = 1000,
): Promise<{ delayMs: number; targetMs: number }> {
  return page.evaluate(async (ms) => {
    const probe = (window as unknown as ProbeWindow).__diyalogProbe;
    const pc = probe
      ?.peerConnections()
      .filter((p) => p.connectionState !== 'closed')
      .at(-1);
    if (!pc) throw new Error('no open RTCPeerConnection: probeContext() before the page opened');
    const read = async () => {
      let video: { delay: number; target: number; emitted: number } | undefined;
      (await pc.getStats()).forEach((r: Record<string, unknown>) => {
        if (r.type === 'inbound-rtp' && r.kind === 'video') {
          video = {
            delay: Number(r.jitterBufferDelay ?? 0),
            target: Number(r.jitterBufferTargetDelay ?? 0),
            emitted: Number(r.jitterBufferEmittedCount ?? 0),
          };
        }
      });
      return video;
    };
    const before = await read();
    await new Promise((r) => setTimeout(r, ms));
    const after = await read();
    const emitted = (after?.emitted ?? 0) - (before?.emitted ?? 0);
    if (!before || !after || emitted === 0) return { delayMs: Infinity, targetMs: Infinity };
    return {
      delayMs: Math.round(((after.delay - before.delay) / emitted) * 1000),
      targetMs: Math.round(((after.target - before.target) / emitted) * 1000),
    };
  }, ms);
}

/** Calls `restartIce()` on the page's newest open peer connection (what a product hook would do). */
/** Whether this page made its open peer connection's offer: the pair's initiator (the smaller id). */
export function makesOffers(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const pc = (window as unknown as ProbeWindow).__diyalogProbe
      ?.peerConnections()
      .filter((p) => p.connectionState !== 'closed')
      .at(-1);
    if (!pc) throw new Error('no open RTCPeerConnection');
    return pc.localDescription?.type === 'offer';
  });
}

export async function restartIceIn(page: Page): Promise<void> {
  await page.evaluate(() => {
    const probe = (window as unknown as ProbeWindow).__diyalogProbe;
    const pc = probe
      ?.peerConnections()
      .filter((p) => p.connectionState !== 'closed')
      .at(-1);
    if (!pc) throw new Error('no open RTCPeerConnection to restart');
    pc.restartIce();
  });
}

export interface LiveCounts {
  /** RTCPeerConnection objects in the heap after a full GC, and those not `closed`. */
  readonly peerConnections: number;
  readonly openPeerConnections: number;
  /** WebSocket objects in the heap after a full GC, and those CONNECTING or OPEN. */
  readonly webSockets: number;
  readonly openWebSockets: number;
  /** Timeouts not yet fired or cleared, and intervals not cleared (from the probe). */
  readonly timeouts: number;
  readonly intervals: number;
}

/** Counts what a page keeps alive, through DevTools: a full GC, then `Runtime.queryObjects` per prototype. */
export async function liveCounts(session: CDPSession): Promise<LiveCounts> {
  await session.send('HeapProfiler.enable');
  await session.send('HeapProfiler.collectGarbage');
  const group = 'diyalog-live-counts';
  const states = async (prototypeExpression: string, stateOf: string): Promise<unknown[]> => {
    const proto = await session.send('Runtime.evaluate', {
      expression: prototypeExpression,
      objectGroup: group,
    });
    if (!proto.result.objectId) throw new Error(`${prototypeExpression} is not an object`);
    const { objects } = await session.send('Runtime.queryObjects', {
      prototypeObjectId: proto.result.objectId,
      objectGroup: group,
    });
    // Prototype objects (of subclasses) match too; their getters throw, so they map to null.
    const { result, exceptionDetails } = await session.send('Runtime.callFunctionOn', {
      objectId: objects.objectId!,
      functionDeclaration: `function () { return this.map((o) => { try { return ${stateOf}; } catch { return null; } }); }`,
      returnByValue: true,
    });
    if (exceptionDetails) throw new Error(`counting failed: ${JSON.stringify(exceptionDetails)}`);
    return result.value as unknown[];
  };
  try {
    const pcs = await states(
      '(window.__diyalogProbe?.NativePeerConnection ?? RTCPeerConnection).prototype',
      'o.connectionState',
    );
    const realPcs = pcs.filter((s) => typeof s === 'string');
    const sockets = (await states('WebSocket.prototype', 'o.readyState')).filter(
      (s) => typeof s === 'number',
    );
    const { result } = await session.send('Runtime.evaluate', {
      expression: 'window.__diyalogProbe?.timers() ?? { timeouts: -1, intervals: -1 }',
      returnByValue: true,
    });
    const timers = result.value as { timeouts: number; intervals: number };
    return {
      peerConnections: realPcs.length,
      openPeerConnections: realPcs.filter((s) => s !== 'closed').length,
      webSockets: sockets.length,
      openWebSockets: sockets.filter((s) => s === 0 || s === 1).length,
      timeouts: timers.timeouts,
      intervals: timers.intervals,
    };
  } finally {
    await session.send('Runtime.releaseObjectGroup', { objectGroup: group });
  }
}

/**
 * Waits in the page (polling every 20 ms) for the video labelled `label` to show new frames, and resolves
 * to two `Date.now()` times (the test's clock too): `first`, the first poll that saw a new frame, and
 * `sustained`, the first new frame after which at least `minFrames` follow within `windowMs` — so that a
 * stray frame (a repaint, a last packet) does not count as video being back. Rejects after `timeoutMs`.
 */
export async function framesResume(
  page: Page,
  label: string,
  timeoutMs: number,
  { windowMs = 1000, minFrames = 5 } = {},
): Promise<{ first: number; sustained: number }> {
  return page.evaluate(
    async ({ label, timeoutMs, windowMs, minFrames }) => {
      const video = document.querySelector<HTMLVideoElement>(`video[aria-label^="${label}"]`);
      if (!video) throw new Error(`no video labelled ${label}`);
      const history: [number, number][] = [[Date.now(), video.getVideoPlaybackQuality().totalVideoFrames]];
      let first: number | undefined;
      const end = Date.now() + timeoutMs + windowMs;
      while (Date.now() < end) {
        await new Promise((r) => setTimeout(r, 20));
        const now = Date.now();
        history.push([now, video.getVideoPlaybackQuality().totalVideoFrames]);
        for (let i = 1; i < history.length; i++) {
          const [t, n] = history[i]!;
          const before = history[i - 1]![1];
          if (n <= before) continue;
          first ??= t;
          if (now - t < windowMs) break; // not known yet whether this one starts a flow
          let j = i;
          while (history[j]![0] < t + windowMs) j++;
          if (history[j]![1] - before >= minFrames) return { first, sustained: t };
        }
        if (first === undefined && now > end - windowMs) break;
      }
      throw new Error(`${label}: no sustained frames within ${timeoutMs} ms`);
    },
    { label, timeoutMs, windowMs, minFrames },
  );
}
