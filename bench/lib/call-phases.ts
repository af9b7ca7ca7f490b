import { formatRow, summarize } from './summary.js';

/**
 * In every page, before its own scripts: a log of when signaling frames go out and come in, when the page's
 * peer connections change signaling, ICE, DTLS and connection state, and main-thread tasks over 50 ms, all in wall-clock ms
 * (performance.timeOrigin + performance.now(), the clock the click and the first frame are stamped with).
 * Peer connections are not kept (their listeners go with them); the log is cleared before each call.
 */
export const PHASE_PROBE = `(() => {
  if (window.__benchPhases) return;
  const log = [];
  const mark = (what) => log.push({ what, at: performance.timeOrigin + performance.now() });
  const frameType = (data) => {
    if (typeof data !== 'string') return undefined;
    try { const t = JSON.parse(data).type; return typeof t === 'string' ? t : undefined; } catch { return undefined; }
  };
  const NativeSocket = window.WebSocket;
  const send = NativeSocket.prototype.send;
  NativeSocket.prototype.send = function (data) {
    const t = frameType(data);
    if (t) mark('send:' + t);
    return send.call(this, data);
  };
  // Registered in the constructor, so it runs before the page's own message handlers.
  window.WebSocket = class extends NativeSocket {
    constructor(...a) {
      super(...a);
      this.addEventListener('message', (e) => { const t = frameType(e.data); if (t) mark('recv:' + t); });
    }
  };
  // Time spent inside the calls a negotiation waits on (each logged as a span: start and duration).
  const span = (owner, name, label) => {
    const native = owner?.[name];
    if (typeof native !== 'function') return;
    owner[name] = function (...a) {
      const start = performance.timeOrigin + performance.now();
      const done = () => log.push({ what: 'span:' + label, at: start, ms: performance.timeOrigin + performance.now() - start });
      const result = native.apply(this, a);
      if (result && typeof result.then === 'function') result.then(done, done);
      else done();
      return result;
    };
  };
  if (window.crypto?.subtle) {
    span(SubtleCrypto.prototype, 'encrypt', 'seal');
    span(SubtleCrypto.prototype, 'decrypt', 'unseal');
  }
  const Native = window.RTCPeerConnection;
  if (Native) {
    for (const [name, label] of [['createOffer', 'createOffer'], ['createAnswer', 'createAnswer'],
      ['setLocalDescription', 'setLocal'], ['setRemoteDescription', 'setRemote'], ['addIceCandidate', 'addCandidate']])
      span(Native.prototype, name, label);
    const watched = new WeakSet();
    window.RTCPeerConnection = class extends Native {
      constructor(...a) {
        const start = performance.timeOrigin + performance.now();
        super(...a);
        log.push({ what: 'span:new RTCPeerConnection', at: start, ms: performance.timeOrigin + performance.now() - start });
        this.addEventListener('iceconnectionstatechange', () => mark('ice:' + this.iceConnectionState));
        this.addEventListener('connectionstatechange', () => mark('pc:' + this.connectionState));
        this.addEventListener('signalingstatechange', () => {
          mark('signaling:' + this.signalingState);
          for (const sender of this.getSenders()) {
            const transport = sender.transport;
            if (!transport || watched.has(transport)) continue;
            watched.add(transport);
            transport.addEventListener('statechange', () => mark('dtls:' + transport.state));
          }
        });
      }
    };
  }
  // Main-thread tasks over 50 ms: what delays every event above (they are stamped when the page sees them).
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) log.push({ what: 'longtask', at: performance.timeOrigin + e.startTime, ms: e.duration });
    }).observe({ type: 'longtask' });
  } catch {}
  window.__benchPhases = { log, reset: () => void (log.length = 0) };
})();`;

/** In the page: a promise of the first frame the labelled video presents (and when its last packet came in). */
export const WATCH_FIRST_FRAME = `window.__firstFrame = new Promise((resolve) => {
  const watch = () => {
    const v = document.querySelector('video[aria-label^="Remote video"]');
    if (v) v.requestVideoFrameCallback((_now, meta) => setTimeout(() => resolve({
      shown: performance.timeOrigin + meta.presentationTime,
      received: meta.receiveTime === undefined ? null : performance.timeOrigin + meta.receiveTime,
      size: meta.width + 'x' + meta.height,
      sizeLater: v.videoWidth + 'x' + v.videoHeight,
    }), 1000));
    else setTimeout(watch, 2);
  };
  watch();
}); window.__benchPhases?.reset(); 0;`;

export interface PhaseEvent {
  readonly what: string;
  readonly at: number;
  /** A long task's duration. */
  readonly ms?: number;
}

export interface FirstFrame {
  readonly shown: number;
  readonly received: number | null;
  /** Its width x height: a smaller first keyframe is encoded and sent sooner. */
  readonly size: string;
  /** The picture's size 1 s after the first frame was shown: how soon a small first frame grows. */
  readonly sizeLater: string;
}

/** One side of one call: its probe's log and its first frame. */
export interface SideRecord {
  readonly log: readonly PhaseEvent[];
  readonly frame: FirstFrame;
}

export interface CallRecord {
  /** Wall-clock time of the trusted "Join call" click, in the guest's page. */
  readonly clicked: number;
  readonly guest: SideRecord;
  readonly host: SideRecord;
}

interface Phase {
  readonly label: string;
  /** Whose log: a fixed side, or whichever side offered (or answered) in that call. */
  readonly side: 'guest' | 'host' | 'offerer' | 'answerer';
  /** ms after the click, or undefined when the call never logged it. */
  readonly at: (side: SideRecord, clicked: number) => number | undefined;
  /** The phases this one waits for (indexes into PHASES; none: the click); its step starts at the latest. */
  readonly after: readonly number[];
}

const first = (what: string) => (side: SideRecord, clicked: number) =>
  side.log.find((e) => e.what === what && e.at >= clicked)?.at;

/**
 * Which side sent the offer after the click; 'ahead' when nobody did: Diyalog negotiates each pair while
 * the guest looks at its preview (both descriptions, no addresses), and the click only sends candidates.
 */
export const offeredBy = (call: CallRecord): 'guest' | 'host' | 'ahead' => {
  const sent = (side: SideRecord) => side.log.some((e) => e.what === 'send:OFFER' && e.at >= call.clicked);
  if (sent(call.guest)) return 'guest';
  return sent(call.host) ? 'host' : 'ahead';
};

/** The phases of a call, in the order they happen, each from the guest's click. */
export const PHASES: readonly Phase[] = [
  { label: 'offerer  → offer sent', side: 'offerer', at: first('send:OFFER'), after: [] },
  { label: 'answerer ← offer received', side: 'answerer', at: first('recv:OFFER'), after: [0] },
  {
    label: 'answerer   offer applied',
    side: 'answerer',
    at: first('signaling:have-remote-offer'),
    after: [1],
  },
  { label: 'answerer   answer made', side: 'answerer', at: first('signaling:stable'), after: [2] },
  { label: 'answerer → answer sent', side: 'answerer', at: first('send:ANSWER'), after: [3] },
  { label: 'offerer  ← answer received', side: 'offerer', at: first('recv:ANSWER'), after: [4] },
  { label: 'offerer    answer applied', side: 'offerer', at: first('signaling:stable'), after: [5] },
  // Candidates (and Diyalog's hello 'join') travel as CANDIDATE frames; negotiated ahead, they are all the
  // click sends.
  { label: 'guest    → candidates sent', side: 'guest', at: first('send:CANDIDATE'), after: [] },
  { label: 'host     ← candidates received', side: 'host', at: first('recv:CANDIDATE'), after: [7] },
  { label: 'guest      ICE connected', side: 'guest', at: first('ice:connected'), after: [7] },
  { label: 'host       ICE connected', side: 'host', at: first('ice:connected'), after: [8] },
  { label: 'guest      DTLS connected', side: 'guest', at: first('pc:connected'), after: [9] },
  { label: 'host       DTLS connected', side: 'host', at: first('pc:connected'), after: [10] },
  {
    label: 'guest      1st frame received',
    side: 'guest',
    at: (s) => s.frame.received ?? undefined,
    after: [11, 12],
  },
  { label: 'guest      1st frame shown', side: 'guest', at: (s) => s.frame.shown, after: [13] },
  {
    label: 'host       1st frame received',
    side: 'host',
    at: (s) => s.frame.received ?? undefined,
    after: [11, 12],
  },
  { label: 'host       1st frame shown', side: 'host', at: (s) => s.frame.shown, after: [15] },
];

/** The side a phase is read from; negotiated ahead, the guest counts as the offerer (nobody offers after the click). */
function sideOf(call: CallRecord, side: Phase['side']): 'guest' | 'host' {
  const offerer = offeredBy(call) === 'host' ? 'host' : 'guest';
  if (side === 'offerer') return offerer;
  if (side === 'answerer') return offerer === 'guest' ? 'host' : 'guest';
  return side;
}

const timeOf = (call: CallRecord, phase: Phase) => phase.at(call[sideOf(call, phase.side)], call.clicked);

function phaseValues(calls: readonly CallRecord[], phase: Phase): number[] {
  const values: number[] = [];
  for (const call of calls) {
    const at = timeOf(call, phase);
    if (at !== undefined) values.push(at - call.clicked);
  }
  return values;
}

/** Per call, the time from the latest of the phases this one waits for; the median of those. */
function stepMedian(calls: readonly CallRecord[], phase: Phase): number {
  const steps: number[] = [];
  for (const call of calls) {
    const at = timeOf(call, phase);
    const before = phase.after.map((i) => timeOf(call, PHASES[i]!));
    if (at === undefined || before.includes(undefined)) continue;
    steps.push(at - Math.max(call.clicked, ...(before as number[])));
  }
  return summarize(steps).median;
}

const num = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '–').padStart(7);
const ratioOf = (ours: number, baseline: number) =>
  (Number.isFinite(ours / baseline) && baseline > 0 ? (ours / baseline).toFixed(2) : '–').padStart(6);

/**
 * One line per phase: Diyalog's min / median / p95 / max from the click, its median step (from the latest
 * phase it waits for, named on the right), and the same median and step for the peerjs baseline measured
 * in the same run, with the ratio of the medians from the click.
 */
export function phaseTable(ours: readonly CallRecord[], baseline: readonly CallRecord[]): string[] {
  const head = `${''.padEnd(34)} ${'n'.padStart(5)} ${'min'.padStart(8)} ${'median'.padStart(8)} ${'p95'.padStart(8)} ${'max'.padStart(8)}      ${'step'.padStart(7)} │ ${'peerjs'.padStart(7)} ${'step'.padStart(7)} ${'ratio'.padStart(6)}  step after`;
  const lines = [head];
  for (const phase of PHASES) {
    const s = summarize(phaseValues(ours, phase));
    const b = summarize(phaseValues(baseline, phase));
    const after =
      phase.after.length === 0 ? 'click' : phase.after.map((i) => PHASES[i]!.label.trim()).join(', ');
    lines.push(
      `${formatRow(phase.label, s)} ${num(stepMedian(ours, phase))} │ ${num(b.median)} ${num(stepMedian(baseline, phase))} ${ratioOf(s.median, b.median)}  ${after}`,
    );
  }
  for (const side of ['guest', 'host'] as const) {
    const s = summarize(ours.map((call) => busy(call, side)));
    const b = summarize(baseline.map((call) => busy(call, side)));
    lines.push(
      `${formatRow(`${side.padEnd(5)}   busy in tasks > 50 ms`, s)} ${''.padStart(7)} │ ${num(b.median)} ${''.padStart(7)} ${ratioOf(s.median, b.median)}  click → its 1st frame shown`,
    );
  }
  for (const side of ['guest', 'host'] as const) {
    const spans = new Set(ours.flatMap((call) => call[side].log.filter(isSpan).map((e) => e.what)));
    for (const what of [...spans].sort()) {
      const s = summarize(ours.map((call) => spent(call, side, what)));
      const b = summarize(baseline.map((call) => spent(call, side, what)));
      lines.push(
        `${formatRow(`${side.padEnd(5)}   in ${what.slice(5)}`.slice(0, 34), s)} ${''.padStart(7)} │ ${num(b.median)} ${''.padStart(7)} ${ratioOf(s.median, b.median)}  click → its 1st frame shown`,
      );
    }
  }
  for (const side of ['guest', 'host'] as const) {
    lines.push(
      `${`${side.padEnd(5)}   1st frame size`.padEnd(34)} Diyalog ${sizes(ours, side)} │ peerjs ${sizes(baseline, side)}`,
    );
    lines.push(
      `${`${side.padEnd(5)}   size 1 s later`.padEnd(34)} Diyalog ${sizes(ours, side, 'sizeLater')} │ peerjs ${sizes(baseline, side, 'sizeLater')}`,
    );
  }
  return lines;
}

/** The first frames' sizes, most frequent first, with their counts. */
function sizes(
  calls: readonly CallRecord[],
  side: 'guest' | 'host',
  which: 'size' | 'sizeLater' = 'size',
): string {
  const counts = new Map<string, number>();
  for (const call of calls)
    counts.set(call[side].frame[which], (counts.get(call[side].frame[which]) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([size, n]) => `${size} ×${n}`)
    .join(', ');
}

const isSpan = (e: PhaseEvent) => e.what.startsWith('span:') && e.ms !== undefined;

/** How long the side spent waiting on one kind of call (from its start to its result) between the click and its first frame. */
function spent(call: CallRecord, side: 'guest' | 'host', what: string): number {
  const { log, frame } = call[side];
  let total = 0;
  for (const e of log) {
    if (e.what !== what || e.ms === undefined) continue;
    total += Math.max(0, Math.min(e.at + e.ms, frame.shown) - Math.max(e.at, call.clicked));
  }
  return total;
}

/** How long the side's main thread spent in tasks over 50 ms between the click and its first frame shown. */
function busy(call: CallRecord, side: 'guest' | 'host'): number {
  const { log, frame } = call[side];
  let total = 0;
  for (const e of log) {
    if (e.what !== 'longtask' || e.ms === undefined) continue;
    total += Math.max(0, Math.min(e.at + e.ms, frame.shown) - Math.max(e.at, call.clicked));
  }
  return total;
}
