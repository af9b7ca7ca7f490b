import { beforeEach, describe, expect, it } from 'vitest';
import { CallError, type CallErrorKind } from '../../../src/call/errors.js';
import { newId } from '../../../src/call/ids.js';
import type { Timers } from '../../../src/call/ports.js';
import { SignalingClient, type SignalingOptions } from '../../../src/call/signaling.js';
import { CLOSING, FakeSocket, FakeTimers, nextTurn, OPEN, track } from './fakes.js';

const HEARTBEAT = '{"type":"HEARTBEAT","payload":{"echo":true}}';

let timers: FakeTimers;
let sockets: FakeSocket[];
const id = newId();
const token = newId();

beforeEach(() => {
  timers = new FakeTimers();
  sockets = [];
});

function client(options: Partial<SignalingOptions> = {}): SignalingClient {
  return new SignalingClient({
    serverUrl: 'https://signal.test/base/',
    id,
    token,
    socketFactory: (url, protocols) => {
      const socket = new FakeSocket(url, protocols);
      sockets.push(socket);
      return socket;
    },
    timers,
    ...options,
  });
}

function socket(): FakeSocket {
  expect(sockets).toHaveLength(1);
  return sockets[0]!;
}

/** Connects a client and lets the server register it. */
async function connected(options: Partial<SignalingOptions> = {}): Promise<SignalingClient> {
  const signaling = client(options);
  const connecting = signaling.connect();
  socket().serverOpen();
  socket().serverSend({ type: 'OPEN' });
  await connecting;
  return signaling;
}

async function rejection(promise: Promise<unknown>, kind: CallErrorKind): Promise<CallError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CallError);
  expect((error as CallError).kind).toBe(kind);
  return error as CallError;
}

function heartbeats(s: FakeSocket): number {
  return s.sent.filter((frame) => frame === HEARTBEAT).length;
}

describe('SignalingClient.connect', () => {
  it('opens one socket at the PeerJS address for its id, with its token in a subprotocol (not the URL)', () => {
    void client().connect();
    const url = new URL(socket().url);
    expect(url.protocol).toBe('wss:');
    expect(url.pathname).toBe('/base/signal/peerjs');
    expect(url.searchParams.get('id')).toBe(id);
    expect(url.searchParams.has('token')).toBe(false);
    expect(socket().protocols).toEqual(['diyalog.v1', `token.${token}`]);
  });

  it('presents the room and its admission token (in a subprotocol) once the token is derived', async () => {
    const admission = 'AdMiSsIoNtOkEn_0123456';
    void client({ room: 'RoOm', admission: Promise.resolve(admission) }).connect();
    await nextTurn();
    expect(new URL(socket().url).searchParams.get('room')).toBe('RoOm');
    expect(socket().protocols).toEqual(['diyalog.v1', `token.${token}`, `admission.${admission}`]);
    expect(socket().url).not.toContain(admission);
  });

  it('a server that does not admit us fails with link-invalid', async () => {
    const signaling = client();
    const connecting = track(signaling.connect());
    socket().serverOpen();
    socket().serverSend({ type: 'ERROR', payload: { msg: 'not-admitted' } });
    await nextTurn();
    expect(connecting.state).toBe('rejected');
    expect((connecting.error as CallError).kind).toBe('link-invalid');
  });

  it('resolves on the server’s OPEN, not on the socket opening', async () => {
    const signaling = client();
    const connecting = track(signaling.connect());
    socket().serverOpen();
    await nextTurn();
    expect(connecting.state).toBe('pending');
    expect(signaling.isOpen).toBe(false);
    socket().serverSend({ type: 'OPEN' });
    await nextTurn();
    expect(connecting.state).toBe('fulfilled');
    expect(signaling.isOpen).toBe(true);
  });

  it('sends a HEARTBEAT at once when open (does the server echo?), then every 5 s, and none before', async () => {
    const signaling = client();
    const connecting = signaling.connect();
    socket().serverOpen();
    timers.advance(4000);
    expect(heartbeats(socket())).toBe(0);
    socket().serverSend({ type: 'OPEN' });
    await connecting;
    expect(heartbeats(socket())).toBe(1);
    timers.advance(4999);
    expect(heartbeats(socket())).toBe(1);
    timers.advance(1);
    expect(heartbeats(socket())).toBe(2);
    timers.advance(10_000);
    expect(heartbeats(socket())).toBe(4);
    timers.advance(60_000);
    expect(heartbeats(socket())).toBe(16);
    expect(socket().sent.every((frame) => frame === HEARTBEAT)).toBe(true);
  });

  it('uses a given heartbeat period', async () => {
    await connected({ heartbeatMs: 1000 });
    timers.advance(3500);
    expect(heartbeats(socket())).toBe(1 + 3);
  });

  it('rejects with id-taken on ID-TAKEN, closes the socket and leaves no timer', async () => {
    const signaling = client();
    const connecting = signaling.connect();
    socket().serverOpen();
    socket().serverSend({ type: 'ID-TAKEN', payload: { msg: 'ID "x" is taken' } });
    const error = await rejection(connecting, 'id-taken');
    expect(error.cause).toBe('ID "x" is taken');
    expect(socket().closedByClient).toEqual({ code: 1000, reason: 'bye' });
    expect(signaling.isOpen).toBe(false);
    expect(timers.pending).toBe(0);
  });

  it.each(['ERROR', 'INVALID-KEY'])('rejects with server-error on %s', async (type) => {
    const signaling = client();
    const connecting = signaling.connect();
    socket().serverOpen();
    socket().serverSend({ type, payload: { msg: 'no' } });
    const error = await rejection(connecting, 'server-error');
    expect(error.cause).toBe('no');
    expect(socket().closedByClient).toBeDefined();
    expect(timers.pending).toBe(0);
  });

  it('rejects with server-unreachable on a socket error before OPEN', async () => {
    const connecting = client().connect();
    socket().serverFail();
    await rejection(connecting, 'server-unreachable');
    expect(timers.pending).toBe(0);
  });

  it('rejects with server-unreachable when the socket closes before OPEN', async () => {
    const connecting = client().connect();
    socket().serverOpen();
    socket().serverClose(1008, 'policy');
    const error = await rejection(connecting, 'server-unreachable');
    expect(error.cause).toBe('closed 1008 policy');
    expect(timers.pending).toBe(0);
  });

  it('rejects with server-unreachable when no OPEN comes within openTimeoutMs', async () => {
    const connecting = track(client({ openTimeoutMs: 3000 }).connect());
    socket().serverOpen();
    timers.advance(2999);
    await nextTurn();
    expect(connecting.state).toBe('pending');
    timers.advance(1);
    await nextTurn();
    expect(connecting.state).toBe('rejected');
    expect((connecting.error as CallError).kind).toBe('server-unreachable');
    expect(socket().closedByClient).toBeDefined();
    expect(timers.pending).toBe(0);
    // A late OPEN changes nothing: the client has let go of the socket.
    socket().serverSend({ type: 'OPEN' });
    timers.advance(10_000);
    expect(socket().sent).toEqual([]);
  });

  it('waits 10 s for OPEN by default', async () => {
    const connecting = track(client().connect());
    timers.advance(9999);
    await nextTurn();
    expect(connecting.state).toBe('pending');
    timers.advance(1);
    await nextTurn();
    expect(connecting.state).toBe('rejected');
  });

  it('rejects with server-unreachable when the socket cannot even be made', async () => {
    const signaling = client({
      socketFactory: () => {
        throw new SyntaxError('bad URL');
      },
    });
    const error = await rejection(signaling.connect(), 'server-unreachable');
    expect(String(error.cause)).toContain('bad URL');
    expect(timers.pending).toBe(0);
  });

  it('does not fail on a late ERROR once open', async () => {
    const signaling = await connected();
    const closes: unknown[] = [];
    signaling.on('drop', () => closes.push('drop'));
    socket().serverSend({ type: 'ERROR', payload: { msg: 'late' } });
    expect(signaling.isOpen).toBe(true);
    expect(closes).toEqual([]);
    expect(signaling.send('OFFER', 'x', {})).toBe(true);
  });
});

describe('SignalingClient messages', () => {
  it('emits relayed messages and EXPIRE, and nothing else', async () => {
    const signaling = await connected();
    const messages: unknown[] = [];
    signaling.on('message', (m) => messages.push(m));
    const s = socket();
    s.serverSend({ type: 'OFFER', src: 'a', dst: id, payload: { v: 1 } });
    s.serverSend({ type: 'HEARTBEAT' });
    s.serverSend({ type: 'ANSWER', src: 'b', payload: 2 });
    s.serverSend('not json');
    s.serverSend({ type: 'CANDIDATE', src: 'c', payload: [3] });
    s.serverSend({ type: 'OPEN' });
    s.serverSend({ type: 'LEAVE', src: 'd', payload: { reason: 'busy' } });
    s.serverSend({ type: 'OFFER', payload: {} });
    s.serverSend({ type: 'EXPIRE', src: 'e' });
    s.serverSend({ type: 'ID-TAKEN' });
    expect(messages).toEqual([
      { type: 'OFFER', src: 'a', payload: { v: 1 } },
      { type: 'ANSWER', src: 'b', payload: 2 },
      { type: 'CANDIDATE', src: 'c', payload: [3] },
      { type: 'LEAVE', src: 'd', payload: { reason: 'busy' } },
      { type: 'EXPIRE', src: 'e' },
    ]);
    expect(signaling.isOpen).toBe(true);
  });

  it('stops telling a listener that removed itself', async () => {
    const signaling = await connected();
    const messages: unknown[] = [];
    const off = signaling.on('message', (m) => messages.push(m));
    socket().serverSend({ type: 'LEAVE', src: 'a' });
    off();
    socket().serverSend({ type: 'LEAVE', src: 'b' });
    expect(messages).toHaveLength(1);
  });

  it('send() is false until OPEN, then sends the frame', async () => {
    const signaling = client();
    expect(signaling.send('OFFER', 'room', {})).toBe(false);
    const connecting = signaling.connect();
    socket().serverOpen();
    expect(signaling.send('OFFER', 'room', {})).toBe(false);
    expect(socket().sent).toEqual([]);
    socket().serverSend({ type: 'OPEN' });
    await connecting;
    expect(signaling.send('LEAVE', 'room', { reason: 'hangup' })).toBe(true);
    expect(socket().sentMessages).toEqual([
      { type: 'HEARTBEAT', payload: { echo: true } }, // sent on opening: does the server echo?
      { type: 'LEAVE', dst: 'room', payload: { reason: 'hangup' } },
    ]);
  });

  it('send() is false after the socket closed', async () => {
    const signaling = await connected();
    socket().serverClose(1001, 'going away');
    expect(signaling.send('OFFER', 'room', {})).toBe(false);
  });
});

describe('SignalingClient closing', () => {
  it('emits drop once when an open socket closes, stops heartbeats and schedules a reconnect', async () => {
    const signaling = await connected({ backoff: { baseMs: 250, capMs: 8000, random: () => 0 } });
    const drops: unknown[] = [];
    signaling.on('drop', () => drops.push('drop'));
    timers.advance(5000);
    expect(heartbeats(socket())).toBe(2); // on opening, and 5 s later
    socket().serverClose(1006, '');
    expect(drops).toEqual(['drop']);
    expect(signaling.isOpen).toBe(false);
    expect(timers.pending).toBe(1); // the reconnect, nothing else
    signaling.close();
    expect(timers.pending).toBe(0);
    timers.advance(60_000);
    expect(heartbeats(sockets[0]!)).toBe(2);
    expect(sockets).toHaveLength(1);
    expect(drops).toHaveLength(1);
  });

  it('emits drop when an open socket errors', async () => {
    const signaling = await connected();
    const drops: unknown[] = [];
    signaling.on('drop', () => drops.push('drop'));
    socket().serverFail();
    expect(drops).toEqual(['drop']);
    signaling.close();
    expect(timers.pending).toBe(0);
  });

  it('close() stops heartbeats, clears timers, closes the socket and emits nothing', async () => {
    const signaling = await connected();
    const events: unknown[] = [];
    signaling.on('drop', () => events.push('drop'));
    signaling.on('message', (m) => events.push(m));
    timers.advance(5000);
    expect(timers.pending).toBe(1);
    signaling.close();
    expect(timers.pending).toBe(0);
    expect(signaling.isOpen).toBe(false);
    expect(socket().closedByClient).toEqual({ code: 1000, reason: 'bye' });
    expect(socket().readyState).toBe(CLOSING);
    timers.advance(60_000);
    await nextTurn();
    expect(heartbeats(socket())).toBe(2); // on opening, and 5 s later
    expect(events).toEqual([]);
    expect(signaling.send('OFFER', 'room', {})).toBe(false);
    signaling.close();
    expect(socket().closedByClient).toEqual({ code: 1000, reason: 'bye' });
  });

  it('close() while connecting settles connect() and leaves no timer', async () => {
    const signaling = client();
    const connecting = track(signaling.connect());
    socket().serverOpen();
    expect(timers.pending).toBe(1);
    signaling.close();
    await nextTurn();
    expect(connecting.state).toBe('rejected');
    expect(timers.pending).toBe(0);
    expect(socket().closedByClient).toBeDefined();
    socket().serverSend({ type: 'OPEN' });
    expect(signaling.isOpen).toBe(false);
  });

  it('does not close a socket that is already closed', async () => {
    const signaling = await connected();
    const s = socket();
    s.serverClose(1000, 'server restart');
    expect(s.closedByClient).toBeUndefined();
    signaling.close();
    expect(s.closedByClient).toBeUndefined();
    expect(s.readyState).not.toBe(OPEN);
  });
});

describe('SignalingClient reconnecting', () => {
  /** A client whose jitter is fixed at `jitter` (0: half the ceiling, 1: all of it). */
  async function reconnecting(jitter: number, options: Partial<SignalingOptions> = {}) {
    const signaling = await connected({
      room: 'r'.repeat(22),
      backoff: { baseMs: 250, capMs: 8000, random: () => jitter },
      ...options,
    });
    const events: string[] = [];
    signaling.on('drop', () => events.push('drop'));
    signaling.on('reopen', () => events.push('reopen'));
    signaling.on('fatal', (e) => events.push(`fatal ${e.kind}`));
    return { signaling, events };
  }

  /** Advances to the next new socket and returns the ms it took; fails it unless `accept`. */
  function nextAttempt(accept = false): number {
    const before = sockets.length;
    let waited = 0;
    while (sockets.length === before) {
      timers.advance(1);
      waited += 1;
      if (waited > 60_000) throw new Error('no attempt within a minute');
    }
    const s = sockets.at(-1)!;
    if (accept) {
      s.serverOpen();
      s.serverSend({ type: 'OPEN' });
    } else s.serverFail();
    return waited;
  }

  it('backs off exponentially with jitter between half and all of 0.25 s · 2ⁿ, capped at 8 s', async () => {
    for (const [jitter, expected] of [
      [0, [125, 250, 500, 1000, 2000, 4000, 4000, 4000]],
      [1, [250, 500, 1000, 2000, 4000, 8000, 8000, 8000]],
    ] as const) {
      sockets = [];
      timers = new FakeTimers();
      const { signaling } = await reconnecting(jitter);
      socket().serverClose(1006, '');
      const delays: number[] = [];
      for (let i = 0; i < expected.length; i++) {
        delays.push(nextAttempt());
        await nextTurn();
      }
      expect(delays).toEqual(expected);
      expect(signaling.retries).toBe(expected.length + 1); // the next one is already scheduled
      signaling.close();
    }
  });

  it('re-registers the same id, token and room, says reopen, and starts the schedule over', async () => {
    const { signaling, events } = await reconnecting(0);
    const first = new URL(socket().url);
    socket().serverClose(1006, '');
    nextAttempt();
    await nextTurn();
    nextAttempt();
    await nextTurn();
    expect(nextAttempt(true)).toBe(500);
    await nextTurn();
    expect(events).toEqual(['drop', 'reopen']);
    expect(signaling.isOpen).toBe(true);
    expect(signaling.retries).toBe(0);
    const again = new URL(sockets.at(-1)!.url);
    for (const name of ['id', 'token', 'room', 'key']) {
      expect(again.searchParams.get(name)).toBe(first.searchParams.get(name));
    }
    expect(signaling.send('OFFER', 'x', {})).toBe(true);
    // Heartbeats go on the new socket (this server never echoed, so it asks again on opening); the next
    // drop starts again at 125 ms.
    timers.advance(5000);
    expect(heartbeats(sockets.at(-1)!)).toBe(2);
    sockets.at(-1)!.serverClose(1001, 'going away');
    expect(nextAttempt()).toBe(125);
    signaling.close();
    expect(timers.pending).toBe(0);
  });

  it('retries at least every second while urgent, and waits 1.5 s (then 4.5 s, alternately) for OPEN', async () => {
    const { signaling } = await reconnecting(1);
    socket().serverClose(1006, '');
    for (let i = 0; i < 5; i++) {
      nextAttempt();
      await nextTurn();
    }
    // 4 s is due next; urgency brings it under a second.
    signaling.setUrgent(true);
    expect(nextAttempt()).toBeLessThanOrEqual(1000);
    await nextTurn();
    expect(nextAttempt()).toBe(1000);
    await nextTurn();
    // An attempt that hangs (SYN lost) is abandoned for a fresh one: after 4.5 s here, and the next after 1.5 s.
    for (const patience of [4500, 1500]) {
      const before = sockets.length;
      timers.advance(1000);
      expect(sockets).toHaveLength(before + 1);
      sockets.at(-1)!.serverOpen();
      timers.advance(patience - 1);
      await nextTurn();
      expect(sockets.at(-1)!.closedByClient).toBeUndefined();
      timers.advance(1);
      await nextTurn();
      expect(sockets.at(-1)!.closedByClient).toBeDefined();
    }
    expect(nextAttempt()).toBe(1000);
    signaling.close();
  });

  it('becoming urgent abandons an attempt started at leisure for a fresh one within a second', async () => {
    const { signaling } = await reconnecting(1);
    socket().serverClose(1006, '');
    timers.advance(250);
    const leisurely = sockets.at(-1)!;
    leisurely.serverOpen(); // connected, but the server never says OPEN (it waits up to 10 s)
    timers.advance(2000);
    signaling.setUrgent(true);
    await nextTurn();
    expect(leisurely.closedByClient).toBeDefined();
    expect(nextAttempt(true)).toBeLessThanOrEqual(1000);
    await nextTurn();
    expect(signaling.isOpen).toBe(true);
    signaling.close();
  });

  it('networkChanged() tries at once instead of at the scheduled time', async () => {
    const { signaling, events } = await reconnecting(1);
    socket().serverClose(1006, '');
    const before = sockets.length;
    signaling.networkChanged();
    expect(sockets).toHaveLength(before + 1);
    sockets.at(-1)!.serverOpen();
    sockets.at(-1)!.serverSend({ type: 'OPEN' });
    await nextTurn();
    expect(events).toEqual(['drop', 'reopen']);
    signaling.close();
  });

  it('networkChanged() replaces an open socket at once: it rode the old network', async () => {
    const { signaling, events } = await reconnecting(1);
    const old = socket();
    signaling.networkChanged();
    expect(old.closedByClient).toEqual({ code: 1000, reason: 'bye' });
    expect(sockets).toHaveLength(2);
    sockets[1]!.serverOpen();
    sockets[1]!.serverSend({ type: 'OPEN' });
    await nextTurn();
    expect(events).toEqual(['drop', 'reopen']);
    expect(signaling.isOpen).toBe(true);
    signaling.close();
    expect(timers.pending).toBe(0);
  });

  it.each([
    ['ID-TAKEN', { type: 'ID-TAKEN', payload: { msg: 'taken' } }, 'id-taken'],
    ['a full room', { type: 'ERROR', payload: { msg: 'room-full' } }, 'full'],
  ])('gives up for good on %s, with no timer or socket left', async (_name, refusal, kind) => {
    const { signaling, events } = await reconnecting(0);
    socket().serverClose(1006, '');
    const before = sockets.length;
    timers.advance(125);
    const s = sockets.at(-1)!;
    expect(sockets).toHaveLength(before + 1);
    s.serverOpen();
    s.serverSend(refusal);
    await nextTurn();
    expect(events).toEqual(['drop', `fatal ${kind}`]);
    expect(timers.pending).toBe(0);
    timers.advance(60_000);
    expect(sockets).toHaveLength(before + 1);
    expect(signaling.isOpen).toBe(false);
  });

  it('keeps retrying through server errors and unreachable attempts', async () => {
    const { signaling, events } = await reconnecting(0);
    socket().serverClose(1006, '');
    timers.advance(125);
    sockets.at(-1)!.serverOpen();
    sockets.at(-1)!.serverSend({ type: 'ERROR', payload: { msg: 'room-unavailable' } });
    await nextTurn();
    expect(nextAttempt(true)).toBe(250);
    await nextTurn();
    expect(events).toEqual(['drop', 'reopen']);
    signaling.close();
  });

  it('replaces a socket gone silent once the server has shown that it echoes heartbeats', async () => {
    const { signaling, events } = await reconnecting(0);
    const s = socket();
    timers.advance(5000);
    s.serverSend({ type: 'HEARTBEAT' }); // the echo: this server answers
    // Then silence: the first heartbeat that finds over 2.5 periods (12.5 s) without a word gives up.
    timers.advance(14_999);
    expect(events).toEqual([]);
    timers.advance(1);
    expect(events).toEqual(['drop']);
    expect(s.closedByClient).toEqual({ code: 1000, reason: 'bye' });
    expect(nextAttempt(true)).toBe(125);
    await nextTurn();
    expect(events).toEqual(['drop', 'reopen']);
    signaling.close();
  });

  it('a socket that dies in its first seconds is found out by a probe (the echo is learnt on opening)', async () => {
    const { signaling, events } = await reconnecting(0);
    const s = socket();
    expect(s.sent).toEqual([HEARTBEAT]); // asked on opening…
    s.serverSend({ type: 'HEARTBEAT' }); // …and echoed
    timers.advance(1000);
    // The network goes: nothing more arrives. Recovery probes long before the first periodic heartbeat.
    signaling.probe();
    timers.advance(1499);
    expect(events).toEqual([]);
    timers.advance(1);
    expect(events).toEqual(['drop']);
    expect(s.closedByClient).toEqual({ code: 1000, reason: 'bye' });
    // The server's answer is known from then on: the next socket is not asked again on opening.
    nextAttempt(true);
    await nextTurn();
    expect(events).toEqual(['drop', 'reopen']);
    expect(heartbeats(sockets.at(-1)!)).toBe(0);
    signaling.close();
  });

  it('never calls a socket dead for silence when the server does not echo', async () => {
    const { signaling, events } = await reconnecting(0);
    signaling.probe();
    timers.advance(120_000);
    expect(events).toEqual([]);
    expect(signaling.isOpen).toBe(true);
    signaling.close();
  });

  /** Our own clock as a page that is held now and then sees it: `hold(ms)` makes the next check run late. */
  function heldPage(): { timers: Timers; hold(ms: number): void } {
    let skew = 0;
    return {
      timers: {
        setTimeout: (fn, ms) => timers.setTimeout(fn, ms),
        setInterval: (fn, ms) => timers.setInterval(fn, ms),
        clearTimeout: (handle) => timers.clearTimeout(handle),
        clearInterval: (handle) => timers.clearInterval(handle),
        now: () => timers.now() + skew,
      },
      hold: (ms) => (skew += ms),
    };
  }

  it('a heartbeat that runs late (our page was held, not the socket silent) asks again; real silence is still found', async () => {
    const page = heldPage();
    const { signaling, events } = await reconnecting(0, { timers: page.timers });
    const s = socket();
    s.serverSend({ type: 'HEARTBEAT' }); // this server echoes
    timers.advance(4000);
    // The page is held 15 s (bench:mesh, 6 people: main threads held 10-15 s): the next heartbeat runs then.
    page.hold(15_000);
    timers.advance(1000);
    expect(events).toEqual([]);
    expect(heartbeats(s)).toBe(2);
    s.serverSend({ type: 'HEARTBEAT' });
    timers.advance(5000);
    expect(events).toEqual([]);
    // Then real silence: found as before, 2.5 periods after the last word.
    timers.advance(9999);
    expect(events).toEqual([]);
    timers.advance(1);
    expect(events).toEqual(['drop']);
    signaling.close();
  });

  it('a probe whose check runs late asks again instead of replacing the socket', async () => {
    const page = heldPage();
    const { signaling, events } = await reconnecting(0, { timers: page.timers });
    const s = socket();
    s.serverSend({ type: 'HEARTBEAT' });
    timers.advance(100);
    signaling.probe();
    const sent = heartbeats(s);
    page.hold(5000);
    timers.advance(1500);
    expect(events).toEqual([]);
    expect(heartbeats(s)).toBe(sent + 1);
    s.serverSend({ type: 'HEARTBEAT' }); // the echo, queued behind the held page
    timers.advance(1500);
    expect(events).toEqual([]);
    // A probe that runs on time and hears nothing still replaces the socket.
    signaling.probe();
    timers.advance(1500);
    expect(events).toEqual(['drop']);
    signaling.close();
  });

  it('probe(): an echo within 1.5 s keeps the socket, none replaces it', async () => {
    const { signaling, events } = await reconnecting(0);
    const s = socket();
    timers.advance(5000);
    s.serverSend({ type: 'HEARTBEAT' });
    const sent = s.sent.length;
    signaling.probe();
    expect(s.sent.slice(sent)).toEqual([HEARTBEAT]);
    timers.advance(100);
    s.serverSend({ type: 'HEARTBEAT' });
    timers.advance(2000);
    expect(events).toEqual([]);
    signaling.probe();
    timers.advance(1499);
    expect(events).toEqual([]);
    timers.advance(1);
    expect(events).toEqual(['drop']);
    signaling.close();
    expect(timers.pending).toBe(0);
  });

  it('close() during an attempt settles it and leaves nothing behind', async () => {
    const { signaling, events } = await reconnecting(0);
    socket().serverClose(1006, '');
    timers.advance(125);
    const attempt = sockets.at(-1)!;
    attempt.serverOpen();
    signaling.close();
    await nextTurn();
    expect(attempt.closedByClient).toBeDefined();
    expect(timers.pending).toBe(0);
    attempt.serverSend({ type: 'OPEN' });
    expect(events).toEqual(['drop']);
  });
});
