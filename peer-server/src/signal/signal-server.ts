import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { WebSocket, type RawData } from 'ws';
import { clientIp } from '../client-ip.js';
import type { DiyalogConfig } from '../config.js';
import { PEER_ID_PATTERN, ROOM_ID_PATTERN } from '../ids.js';
import { errorReason, type Logger } from '../log.js';
import type { ServerMetrics } from '../metrics.js';
import { parseClientFrame, type RelayType } from './message.js';
import { PendingMessages } from './pending-messages.js';
import type { ConnectionRejection, FrameRejection } from './rejections.js';
import type { Rooms } from './rooms.js';
import { TokenBucket } from './token-bucket.js';

/** PeerJS clients heartbeat every 5 s; the stock server drops a client silent for 90 s, and so do we. */
const ALIVE_TIMEOUT_MS = 90_000;
const SWEEP_EVERY_MS = 1000;
/** Frames dropped for rate limiting may add up to a full burst within this long before we hang up. */
const STRIKE_WINDOW_SECONDS = 10;
/** Shutdown waits this long for clients to answer our close frame. */
const CLOSE_GRACE_MS = 1000;

/** One WebSocket that asked to register as `id`. */
interface Connection {
  readonly ws: WebSocket;
  readonly id: string;
  readonly token: string;
  /** The room it is in (or joining); undefined for plain PeerJS clients and after it left. */
  room: string | undefined;
  /** Whether the server said OPEN: only then are messages relayed to and from it. */
  open: boolean;
  lastSeen: number;
  readonly messages: TokenBucket;
  /** Rate-limited frames allowed before we hang up; refills so that occasional bursts are forgiven. */
  readonly strikes: TokenBucket;
  /** Bytes relayed; a sender out of them is a heavy one, refused first by a destination that lags. */
  readonly volume: TokenBucket;
  /** Frames that arrived before OPEN (while its room join was in flight), replayed in order after it. */
  readonly early: [RawData, boolean][];
  /** Rejection reasons already logged for this connection: one log line each, however many frames. */
  readonly logged: Set<string>;
}

/** What the HTTP API needs to know about a registered peer. */
export interface RegisteredPeer {
  readonly id: string;
  readonly room: string | undefined;
}

export interface SignalServer {
  /** Takes over a WebSocket that just completed its upgrade on the signaling path. */
  accept(ws: WebSocket, req: IncomingMessage, url: URL): void;
  /** A peer registered here whose token matches, else undefined. */
  authenticate(id: string, token: string): RegisteredPeer | undefined;
  /** Whether `id` is registered (and OPEN) on this instance. */
  isConnected(id: string): boolean;
  readonly peerCount: number;
  /** Says goodbye to every socket (ERROR server-shutting-down, then close 1001) and waits for them. */
  close(): Promise<void>;
}

export interface SignalServerDeps {
  readonly config: DiyalogConfig;
  readonly log: Logger;
  readonly metrics: ServerMetrics;
  readonly rooms: Rooms;
}

/**
 * The PeerJS signaling protocol (OPEN, HEARTBEAT, OFFER/ANSWER/CANDIDATE/LEAVE relayed with `src` set by us,
 * EXPIRE, ID-TAKEN, ERROR) plus rooms: ROOM-JOIN and LEAVE{reason:'gone'} told to the other members.
 * Written on `ws` directly rather than around the `peer` package, whose state we could not reach, whose
 * queues are unbounded and which lets one bad frame throw (shared/FIELD-NOTES.md).
 */
export function createSignalServer({ config, log, metrics, rooms }: SignalServerDeps): SignalServer {
  const registry = new Map<string, Connection>();
  const connectionsPerIp = new Map<string, number>();
  const sockets = new Set<WebSocket>();
  const pending = new PendingMessages();
  /** Registrations waiting for the store, so that shutdown lets them finish before closing it. */
  const registering = new Set<Promise<void>>();
  // A destination that does not keep up must not make us hold unbounded data for it. Past the soft limit
  // heavy senders (likely the cause) are refused; past the hard limit, everyone is.
  const softBufferLimit = Math.max(1024 * 1024, 16 * config.maxFrameBytes);
  const hardBufferLimit = 8 * softBufferLimit;
  let closing = false;

  const sweeper = setInterval(sweep, SWEEP_EVERY_MS);
  sweeper.unref();

  function send(ws: WebSocket, message: object): void {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
  }

  function sendError(ws: WebSocket, msg: string): void {
    send(ws, { type: 'ERROR', payload: { msg } });
  }

  function reject(ws: WebSocket, reason: ConnectionRejection): void {
    metrics.connectionsRejected.inc(reason);
    log({ event: 'connection-rejected', reason });
    if (reason === 'id-taken') send(ws, { type: 'ID-TAKEN', payload: { msg: 'ID is taken' } });
    else sendError(ws, reason === 'invalid-key' ? 'Invalid key provided' : reason);
    ws.close(1008, reason);
  }

  function isCurrent(conn: Connection): boolean {
    return registry.get(conn.id) === conn && conn.ws.readyState === WebSocket.OPEN;
  }

  /** Whether whoever holds `id` now is in `room` (then the store entry is still theirs). */
  function holdsMembership(id: string, room: string): boolean {
    return registry.get(id)?.room === room;
  }

  function tellRoom(room: string, exceptId: string, message: object): void {
    const data = JSON.stringify(message);
    for (const member of rooms.connectedHere(room)) {
      const conn = registry.get(member);
      if (member !== exceptId && conn?.open && conn.ws.readyState === WebSocket.OPEN) conn.ws.send(data);
    }
  }

  function leaveRoom(conn: Connection, reason: 'closed' | 'leave' | 'replaced'): void {
    const room = conn.room;
    if (room === undefined) return;
    conn.room = undefined;
    rooms.disconnect(room, conn.id, !holdsMembership(conn.id, room));
    log({ event: 'room-left', room, id: conn.id, reason });
    // At shutdown everyone is told the server is going; a flurry of LEAVEs would only be noise.
    if (!closing) tellRoom(room, conn.id, { type: 'LEAVE', src: conn.id, payload: { reason: 'gone' } });
  }

  /** A reconnect that did not make it back in: the membership its old socket left behind ends here. */
  function dropStaleMembership(room: string, id: string): boolean {
    if (!rooms.connectedHere(room).has(id)) return false;
    rooms.disconnect(room, id, true);
    log({ event: 'room-left', room, id, reason: 'closed' });
    if (!closing) tellRoom(room, id, { type: 'LEAVE', src: id, payload: { reason: 'gone' } });
    return true;
  }

  function logFrameRejected(conn: Connection, reason: FrameRejection): void {
    metrics.framesRejected.inc(reason);
    if (conn.logged.has(reason)) return;
    conn.logged.add(reason);
    log({ event: 'frame-rejected', id: conn.id, reason });
  }

  function accept(ws: WebSocket, req: IncomingMessage, url: URL): void {
    sockets.add(ws);
    ws.once('close', () => sockets.delete(ws));
    const params = url.searchParams;
    const id = params.get('id') ?? '';
    // Protocol errors (oversized or invalid frames) close the socket in ws; without a listener they would
    // throw out of the EventEmitter and end the process.
    ws.on('error', (error) => {
      const reason = wsErrorReason(error);
      metrics.framesRejected.inc(reason);
      log({ event: 'frame-rejected', id: PEER_ID_PATTERN.test(id) ? id : '', reason });
    });

    const ip = clientIp(req, config.trustProxy);
    const open = connectionsPerIp.get(ip) ?? 0;
    if (open >= config.maxConnectionsPerIp) return reject(ws, 'too-many-connections');
    connectionsPerIp.set(ip, open + 1);
    ws.once('close', () => {
      const left = (connectionsPerIp.get(ip) ?? 1) - 1;
      if (left > 0) connectionsPerIp.set(ip, left);
      else connectionsPerIp.delete(ip);
    });

    const token = params.get('token') ?? '';
    const room = params.get('room') ?? undefined;
    if (params.get('key') !== config.peerKey) return reject(ws, 'invalid-key');
    if (!PEER_ID_PATTERN.test(id) || !PEER_ID_PATTERN.test(token)) return reject(ws, 'invalid-id');
    if (room !== undefined && !ROOM_ID_PATTERN.test(room)) return reject(ws, 'invalid-room');
    const existing = registry.get(id);
    if (existing && !sameToken(existing.token, token)) return reject(ws, 'id-taken');

    const conn: Connection = {
      ws,
      id,
      token,
      room,
      open: false,
      lastSeen: Date.now(),
      messages: new TokenBucket(config.rateLimitBurst, config.rateLimitPerSecond),
      strikes: new TokenBucket(config.rateLimitBurst, config.rateLimitBurst / STRIKE_WINDOW_SECONDS),
      // Two full frames at once, one per second: far above any SDP exchange, far below a flood.
      volume: new TokenBucket(2 * config.maxFrameBytes, config.maxFrameBytes),
      early: [],
      logged: new Set(),
    };
    registry.set(id, conn);
    if (existing) replace(existing, conn);
    ws.on('message', (data, isBinary) => guarded(conn, () => onFrame(conn, data, isBinary)));
    ws.once('close', () => onClose(conn));
    const registration = register(conn).catch((error: unknown) =>
      guarded(conn, () => {
        throw error;
      }),
    );
    registering.add(registration);
    void registration.finally(() => registering.delete(registration));
  }

  /**
   * A last line of defence: a bug in handling one client's frame closes that client (1011), instead of
   * throwing out of ws's event handlers and ending the process for everyone.
   */
  function guarded(conn: Connection, work: () => void): void {
    try {
      work();
    } catch (error) {
      log({ event: 'internal-error', id: conn.id, reason: errorReason(error) });
      conn.ws.close(1011, 'internal error');
    }
  }

  /** The same id and token again: a reconnect. The old socket goes; room membership carries over. */
  function replace(old: Connection, by: Connection): void {
    log({ event: 'peer-replaced', id: old.id });
    // Into another room (or none): the old one hears LEAVE. One still joining cleans up in register().
    if (old.open && old.room !== by.room) leaveRoom(old, 'replaced');
    old.room = undefined;
    old.open = false;
    old.ws.close(4000, 'replaced by a newer connection');
  }

  async function register(conn: Connection): Promise<void> {
    let members: readonly string[] | undefined;
    const room = conn.room;
    if (room !== undefined) {
      // Frames that arrive meanwhile wait in `early`; pausing keeps that short.
      conn.ws.pause();
      let result;
      try {
        result = await rooms.join(room, conn.id);
      } catch (error) {
        log({ event: 'store-error', operation: 'join', reason: errorReason(error) });
        result = undefined;
      }
      // Resumed even when refusing: a paused socket would never read the client's reply to our close.
      conn.ws.resume();
      if (!isCurrent(conn)) {
        // Gone while joining. Unless a newer socket for the same id joins this room, nobody is here.
        if (!holdsMembership(conn.id, room) && !dropStaleMembership(room, conn.id) && result?.ok)
          rooms.forget(room, conn.id);
        return;
      }
      if (!result?.ok) {
        registry.delete(conn.id);
        dropStaleMembership(room, conn.id);
        if (result) log({ event: 'room-full', room, id: conn.id });
        reject(conn.ws, result ? 'room-full' : 'room-unavailable');
        return;
      }
      members = result.members;
    }

    conn.open = true;
    send(conn.ws, members === undefined ? { type: 'OPEN' } : { type: 'OPEN', payload: { room, members } });
    log({ event: 'peer-connected', id: conn.id });
    for (const held of pending.take(conn.id)) {
      conn.ws.send(held.data);
      metrics.messagesRelayed.inc();
    }
    if (room !== undefined && members !== undefined) {
      rooms.connect(room, conn.id);
      log({ event: 'room-joined', room, id: conn.id, members: members.length });
      tellRoom(room, conn.id, { type: 'ROOM-JOIN', src: conn.id, payload: { members } });
    }
    for (const [data, isBinary] of conn.early.splice(0)) {
      if (conn.ws.readyState === WebSocket.OPEN) handleFrame(conn, data, isBinary);
    }
  }

  function onClose(conn: Connection): void {
    if (registry.get(conn.id) !== conn) return; // replaced or refused: nothing of it is registered
    registry.delete(conn.id);
    // A room join still in flight cleans up after itself in register().
    if (!conn.open) return;
    conn.open = false;
    leaveRoom(conn, 'closed');
    log({ event: 'peer-disconnected', id: conn.id });
  }

  function onFrame(conn: Connection, data: RawData, isBinary: boolean): void {
    if (conn.ws.readyState !== WebSocket.OPEN) return;
    conn.lastSeen = Date.now();
    if (!conn.messages.take()) return rateLimited(conn);
    if (conn.open) handleFrame(conn, data, isBinary);
    else conn.early.push([data, isBinary]);
  }

  function rateLimited(conn: Connection): void {
    metrics.messagesRateLimited.inc();
    const sustained = !conn.strikes.take();
    if (sustained || !conn.logged.has('rate-limited')) {
      conn.logged.add('rate-limited');
      log({ event: 'rate-limited', id: conn.id, closed: sustained });
    }
    sendError(conn.ws, 'rate-limited');
    if (sustained) conn.ws.close(1008, 'rate-limited');
  }

  function handleFrame(conn: Connection, data: RawData, isBinary: boolean): void {
    const parsed = parseClientFrame(data, isBinary);
    if (!parsed.ok) {
      logFrameRejected(conn, parsed.problem);
      if (!parsed.fatal) sendError(conn.ws, parsed.problem);
      else conn.ws.close(parsed.problem === 'binary-frame' ? 1003 : 1007, parsed.problem);
      return;
    }
    if (conn.room !== undefined) rooms.touch(conn.room);
    const message = parsed.message;
    // lastSeen is already updated. Only clients that ask get an answer: peerjs warns about a HEARTBEAT.
    if (message.type === 'HEARTBEAT') {
      if (message.echo) send(conn.ws, { type: 'HEARTBEAT' });
      return;
    }
    // Only LEAVE may come without a destination: it means "I leave my room".
    if (message.dst === undefined) return leaveRoom(conn, 'leave');
    relay(conn, message.type, message.dst, message.payload);
  }

  function relay(from: Connection, type: RelayType, dst: string, payload: unknown): void {
    const data = JSON.stringify({ type, src: from.id, dst, payload });
    const target = registry.get(dst);
    if (target?.open && target.ws.readyState === WebSocket.OPEN) {
      const heavy = !from.volume.take(data.length);
      const buffered = target.ws.bufferedAmount;
      if (buffered > softBufferLimit && (heavy || buffered > hardBufferLimit)) {
        // EXPIRE ("not delivered to dst"), not ERROR: peerjs clients treat every ERROR as fatal.
        logFrameRejected(from, 'destination-busy');
        send(from.ws, { type: 'EXPIRE', src: dst, dst: from.id });
        return;
      }
      target.ws.send(data);
      metrics.messagesRelayed.inc();
      return;
    }
    // A LEAVE for someone who is not here has nobody to tell; the others may be just about to connect.
    if (type === 'LEAVE') return;
    if (!pending.add({ src: from.id, dst, data })) {
      send(from.ws, { type: 'EXPIRE', src: dst, dst: from.id });
    }
  }

  function sweep(): void {
    for (const { src, dst } of pending.expire()) {
      const sender = registry.get(src);
      if (sender?.open) send(sender.ws, { type: 'EXPIRE', src: dst, dst: src });
    }
    const silentSince = Date.now() - ALIVE_TIMEOUT_MS;
    for (const conn of registry.values()) {
      if (conn.lastSeen >= silentSince) continue;
      log({ event: 'peer-timed-out', id: conn.id });
      conn.ws.terminate();
    }
  }

  return {
    accept,
    authenticate(id, token) {
      const conn = registry.get(id);
      if (!conn?.open || !sameToken(conn.token, token)) return undefined;
      return { id: conn.id, room: conn.room };
    },
    isConnected: (id) => registry.get(id)?.open === true,
    get peerCount() {
      let count = 0;
      for (const conn of registry.values()) if (conn.open) count += 1;
      return count;
    },
    async close() {
      closing = true;
      clearInterval(sweeper);
      await Promise.all([...sockets].map((ws) => sayGoodbye(ws)));
      await Promise.all(registering);
      await rooms.settled();
    },
  };
}

/** ERROR server-shutting-down, then close 1001 (going away); stops waiting for the client after a second. */
function sayGoodbye(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve();
    const timer = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    if (ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify({ type: 'ERROR', payload: { msg: 'server-shutting-down' } }));
      ws.close(1001, 'server shutting down');
    }
  });
}

/** Compares tokens in constant time, so that response timing says nothing about a stored token. */
function sameToken(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

function wsErrorReason(error: Error): FrameRejection {
  const code = (error as { code?: unknown }).code;
  if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return 'frame-too-large';
  if (code === 'WS_ERR_INVALID_UTF8') return 'invalid-utf8';
  return 'protocol-error';
}
