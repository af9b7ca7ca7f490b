/**
 * Where a chat message's time goes during a transfer, measured inside both pages (an init script, so it sees
 * the call's RTCPeerConnection from its start): when the chat text reaches RTCDataChannel.send, how much the
 * file channel had buffered then and how many file bytes had been sent, when the message event fires on the
 * other side and how many file bytes had arrived by then, and how late the receiving page's timers ran.
 */
export const PROBE = `(() => {
  const Native = window.RTCPeerConnection;
  if (!Native || window.__probe) return;
  const now = () => performance.timeOrigin + performance.now();
  const p = (window.__probe = { sent: {}, recv: {}, fileSent: 0, fileRecv: 0, files: undefined, lags: [], got: [], long: [], pings: {}, rtts: [] });
  // The page's long tasks (> 50 ms on its main thread): [start, duration].
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) p.long.push([performance.timeOrigin + e.startTime, e.duration]);
      if (p.long.length > 20000) p.long.splice(0, 10000);
    }).observe({ type: 'longtask', buffered: true });
  } catch {}
  const watch = (ch) => {
    if (ch.label === 'files') {
      p.files = ch;
      ch.addEventListener('message', (e) => {
        if (typeof e.data === 'string') return;
        p.fileRecv += e.data.byteLength;
        p.got.push([now(), p.fileRecv]);
        if (p.got.length > 40000) p.got.splice(0, 20000);
      });
    } else if (ch.label !== 'raw') {
      ch.addEventListener('message', (e) => {
        const m = typeof e.data === 'string' && /"text":"(bench \\d+)"/.exec(e.data);
        if (m) p.recv[m[1]] = { at: now(), fileRecv: p.fileRecv };
        // The answer to a file sender's ping (negative numbers): the round trip its pacer judges.
        const q = typeof e.data === 'string' && /^\\{"t":"pong","n":(-\\d+)\\}$/.exec(e.data);
        if (q && p.pings[q[1]] !== undefined) {
          p.rtts.push([now(), now() - p.pings[q[1]]]);
          delete p.pings[q[1]];
          if (p.rtts.length > 20000) p.rtts.splice(0, 10000);
        }
      });
    }
  };
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('datachannel', (e) => watch(e.channel));
    }
    createDataChannel(...args) {
      const ch = super.createDataChannel(...args);
      watch(ch);
      return ch;
    }
  };
  const send = RTCDataChannel.prototype.send;
  RTCDataChannel.prototype.send = function (data) {
    if (this.label === 'files' && typeof data !== 'string') p.fileSent += data.byteLength;
    else if (typeof data === 'string') {
      const m = /"text":"(bench \\d+)"/.exec(data);
      if (m) p.sent[m[1]] = { at: now(), buffered: p.files ? p.files.bufferedAmount : 0, fileSent: p.fileSent };
      const q = /^\\{"t":"ping","n":(-\\d+)\\}$/.exec(data);
      if (q) p.pings[q[1]] = now();
    }
    return send.call(this, data);
  };
  // How late a 20 ms timer fires: the wait any task (a chat message's event too) has in this page.
  let due = now() + 20;
  setInterval(() => {
    const t = now();
    p.lags.push([t, Math.max(0, t - due)]);
    if (p.lags.length > 20000) p.lags.splice(0, 10000);
    due = t + 20;
  }, 20);
})();`;

export interface ChatStamp {
  at: number;
  buffered?: number;
  fileSent?: number;
  fileRecv?: number;
}

export interface ProbeState {
  sent: Record<string, ChatStamp>;
  recv: Record<string, ChatStamp>;
  lags: [number, number][];
  /** [when, file bytes received so far], per file message. */
  got: [number, number][];
  /** The page's long tasks: [start, duration ms]. */
  long: [number, number][];
  /** Its file sender's pings on the control channel answered: [when, round trip ms]. */
  rtts: [number, number][];
}

/** One chat message's path: Enter → send() → message event → shown, with the file channel's state. */
export interface ChatTrace {
  /** Enter pressed → chat text handed to RTCDataChannel.send (the sender's own JS). */
  sendMs: number;
  /** send() → message event in the receiving page (SCTP queue, network, the receiver's task queue). */
  wireMs: number;
  /** message event → text in the DOM (the receiver's JS and rendering). */
  showMs: number;
  /**
   * text in the DOM → the vsync of the frame that draws it (the wait for the display's next frame; negative
   * when that frame's vsync came first and its main-thread part, queued behind the message's task, after).
   */
  vsyncMs: number;
  /** that vsync → the frame committed (its main-thread work, and any wait for the thread). */
  frameMs: number;
  /** The file channel's bufferedAmount when the chat text was sent. */
  buffered: number;
  /** File bytes sent before the chat text that had not reached the receiving page's JS when it arrived. */
  overtaken: number;
  /** The receiving page's worst timer lateness in the 500 ms before the chat arrived. */
  lagMs: number;
  /** File bytes sent but not yet seen by the receiving page's JS when the chat text was sent. */
  backlog: number;
}

export function traces(
  pressed: [string, number][],
  shown: Record<string, number>,
  from: ProbeState,
  to: ProbeState,
  frames: { vsync: Record<string, number>; drawn: Record<string, number> },
): ChatTrace[] {
  const out: ChatTrace[] = [];
  for (const [text, at] of pressed) {
    const s = from.sent[text];
    const r = to.recv[text];
    const d = shown[text];
    const v = frames.vsync[text];
    const f = frames.drawn[text];
    if (!s || !r || d === undefined || v === undefined || f === undefined) continue;
    let lag = 0;
    for (const [t, l] of to.lags) if (t > r.at - 500 && t <= r.at + 20) lag = Math.max(lag, l);
    let seen = 0;
    for (const [t, bytes] of to.got) if (t <= s.at) seen = bytes;
    out.push({
      backlog: (s.fileSent ?? 0) - seen,
      sendMs: s.at - at,
      wireMs: r.at - s.at,
      showMs: d - r.at,
      vsyncMs: v - d,
      frameMs: f - v,
      buffered: s.buffered ?? 0,
      overtaken: (s.fileSent ?? 0) - (r.fileRecv ?? 0),
      lagMs: lag,
    });
  }
  return out;
}
