import type { IncomingMessage } from 'node:http';
import { WebSocket, type RawData } from 'ws';
import { clientIp, ipKey } from '../client-ip.js';
import type { Cluster } from '../cluster/cluster.js';
import type { BusFrame } from '../cluster/signal-bus.js';
import { ClusterNode, hashToken } from '../cluster/cluster-node.js';
import { RefusalLog } from '../connection-guard.js';
import type { DiyalogConfig } from '../config.js';
import { PEER_ID_PATTERN, ROOM_ID_PATTERN } from '../ids.js';
import { errorReason, type Logger } from '../log.js';
import type { ServerMetrics } from '../metrics.js';
import { admits, socketCredentials } from './admission.js';
import { IdReservations, sameToken } from './id-reservations.js';
import { parseClientFrame, type RelayType } from './message.js';
import { PendingMessages } from './pending-messages.js';
import type { ConnectionRejection, FrameRejection } from './rejections.js';
import type { Rooms } from './rooms.js';
import { BufferBudget } from './socket-guard.js';
import { TokenBucket } from './token-bucket.js';

/** PeerJS clients heartbeat every 5 s; the stock server drops a client silent for 90 s, and so do we. */
const ALIVE_TIMEOUT_MS = 90_000;
const SWEEP_EVERY_MS = 1000;
/** Frames dropped for rate limiting may add up to a full burst within this long before we hang up. */
const STRIKE_WINDOW_SECONDS = 10;
/** A reader with this much waiting for STUCK_READER_SECONDS has stopped reading (see socket-guard.ts). */
const STUCK_READER_BYTES = 64 * 1024;
/** Shutdown waits this long for clients to answer our close frame. */
const CLOSE_GRACE_MS = 1000;

/** One WebSocket that asked to register as `id`. */
interface Connection {
  readonly ws: WebSocket;
  readonly id: string;
  readonly token: string;
  /** This registration's name in the peer directory. */
  readonly registration: string;
  /** Whether it holds `id` in the directory (and the bus channel) and must release it. */
  claimed: boolean;
  /**
   * The room it is in (or joining), admitted by its token (admission.ts); undefined for plain PeerJS clients
   * and after it left. Relays go only between sockets of the same room, or between room-less ones.
   */
  room: string | undefined;
  /** The client's address key, for per-address quotas (TURN credentials). */
  readonly ip: string;
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
  /** A peer registered on any instance whose token matches, else undefined. */
  authenticate(id: string, token: string): Promise<RegisteredPeer | undefined>;
  /** Whether `id` is registered (and OPEN here, or claimed on another instance). */
  isConnected(id: string): Promise<boolean>;
  readonly peerCount: number;
  /** Says goodbye to every socket (ERROR server-shutting-down, then close 1001) and waits for them. */
  close(): Promise<void>;
}

export interface SignalServerDeps {
  readonly config: DiyalogConfig;
  readonly log: Logger;
  readonly metrics: ServerMetrics;
  readonly rooms: Rooms;
  readonly cluster: Cluster;
}

/**
 * The PeerJS signaling protocol (OPEN, HEARTBEAT, OFFER/ANSWER/CANDIDATE/LEAVE relayed with `src` set by us,
 * EXPIRE, ID-TAKEN, ERROR) plus rooms: ROOM-JOIN and LEAVE{reason:'gone'} told to the other members.
 * Written on `ws` directly rather than around the `peer` package, whose state we could not reach, whose
 * queues are unbounded and which lets one bad frame throw (shared/FIELD-NOTES.md).
 */
export function createSignalServer({ config, log, metrics, rooms, cluster }: SignalServerDeps): SignalServer {
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
  // And all of them together stay within MAX_BUFFERED_BYTES; a reader that stops reading is closed.
  const budget = new BufferBudget({
    stuckBytes: STUCK_READER_BYTES,
    totalBytes: config.maxBufferedBytes,
    stuckMs: config.stuckReaderSeconds * 1000,
  });
  const reservations = new IdReservations(config.reconnectLimitSeconds * 1000);
  const refusals = new RefusalLog();
  let closing = false;
  const node = new ClusterNode(cluster, {
    deliver: deliverFromBus,
    replaced: replacedElsewhere,
    reaped: ({ room, id }) => {
      metrics.membersReaped.inc();
      log({ event: 'room-left', room, id, reason: 'instance-lost' });
      tellRoom(room, id, { type: 'LEAVE', src: id, payload: { reason: 'gone' } });
    },
    expire: tellExpire,
    members: () =>
      [...openConnections()].flatMap(({ id, room }) => (room === undefined ? [] : [{ room, id }])),
    ids: () => [...openConnections()].map(({ id }) => id),
    restored: () => void reassert(),
    error: (operation, reason) => log({ event: 'cluster-error', operation, reason }),
  });

  const sweeper = setInterval(sweep, SWEEP_EVERY_MS);
  sweeper.unref();

  function send(ws: WebSocket, message: object): void {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
  }

  function sendError(ws: WebSocket, msg: string): void {
    send(ws, { type: 'ERROR', payload: { msg } });
  }

  /**
   * Says why, then drops the connection at once: waiting for the client's close reply (up to 30 s in ws)
   * would let refused sockets pile up. Logged once per reason and address per minute.
   */
  function reject(ws: WebSocket, reason: ConnectionRejection, ip: string): void {
    metrics.connectionsRejected.inc(reason);
    if (refusals.shouldLog(reason, ip)) log({ event: 'connection-rejected', reason });
    if (reason === 'id-taken') send(ws, { type: 'ID-TAKEN', payload: { msg: 'ID is taken' } });
    else sendError(ws, reason === 'invalid-key' ? 'Invalid key provided' : reason);
    ws.close(1008, reason);
    // The frames are in the kernel's buffer already (small writes go straight through); then FIN.
    setImmediate(() => ws.terminate());
  }

  function isCurrent(conn: Connection): boolean {
    return registry.get(conn.id) === conn && conn.ws.readyState === WebSocket.OPEN;
  }

  /** Whether whoever holds `id` now is in `room` (then the store entry is still theirs). */
  function holdsMembership(id: string, room: string): boolean {
    return registry.get(id)?.room === room;
  }

  /** Tells the members of `room`; those on other instances through the bus (`members`: if known already). */
  function tellRoom(
    room: string,
    exceptId: string,
    message: object,
    members?: readonly string[],
    elsewhereOnly = false,
  ): void {
    const data = JSON.stringify(message);
    const here = rooms.connectedHere(room);
    for (const member of elsewhereOnly ? [] : here) {
      const conn = registry.get(member);
      if (member === exceptId || !conn?.open || conn.room !== room) continue;
      if (conn.ws.readyState === WebSocket.OPEN) conn.ws.send(data);
    }
    if (!node.distributed) return;
    const tellElsewhere = (all: readonly string[]) => {
      for (const member of all)
        if (member !== exceptId && !here.has(member)) node.relay.send(member, { src: exceptId, data }, false);
    };
    if (members) return tellElsewhere(members);
    node.track(
      rooms
        .members(room)
        .then(tellElsewhere, (error: unknown) =>
          log({ event: 'store-error', operation: 'members', reason: errorReason(error) }),
        ),
    );
  }

  function* openConnections(): Iterable<Connection> {
    for (const conn of registry.values()) if (conn.open) yield conn;
  }

  function leaveRoom(conn: Connection, reason: 'closed' | 'leave' | 'replaced'): void {
    const room = conn.room;
    if (room === undefined) return;
    conn.room = undefined;
    const fromStore = !holdsMembership(conn.id, room);
    rooms.disconnect(room, conn.id, fromStore);
    if (fromStore) node.left({ room, id: conn.id }, conn.registration);
    log({ event: 'room-left', room, id: conn.id, reason });
    tellLeave(room, conn.id);
  }

  function tellLeave(room: string, id: string): void {
    const leave = { type: 'LEAVE', src: id, payload: { reason: 'gone' } };
    // At shutdown everyone here is told the server is going; a flurry of LEAVEs would only be noise.
    // Members on other instances stay, and do need to hear it.
    if (!closing) tellRoom(room, id, leave);
    else if (node.distributed) tellRoom(room, id, leave, undefined, true);
  }

  /** A reconnect that did not make it back in: the membership its old socket left behind ends here. */
  function dropStaleMembership(room: string, id: string): boolean {
    if (!rooms.connectedHere(room).has(id)) return false;
    rooms.disconnect(room, id, true);
    node.left({ room, id }, '');
    log({ event: 'room-left', room, id, reason: 'closed' });
    tellLeave(room, id);
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
    const { id, token, room, admission } = socketCredentials(req, url);
    // Protocol errors (oversized or invalid frames) close the socket in ws; without a listener they would
    // throw out of the EventEmitter and end the process.
    ws.on('error', (error) => {
      const reason = wsErrorReason(error);
      metrics.framesRejected.inc(reason);
      log({ event: 'frame-rejected', id: PEER_ID_PATTERN.test(id) ? id : '', reason });
    });

    const ip = ipKey(clientIp(req, config.trustProxy));
    const open = connectionsPerIp.get(ip) ?? 0;
    if (open >= config.maxConnectionsPerIp) return reject(ws, 'too-many-connections', ip);
    connectionsPerIp.set(ip, open + 1);
    ws.once('close', () => {
      const left = (connectionsPerIp.get(ip) ?? 1) - 1;
      if (left > 0) connectionsPerIp.set(ip, left);
      else connectionsPerIp.delete(ip);
    });

    if (params.get('key') !== config.peerKey) return reject(ws, 'invalid-key', ip);
    if (!PEER_ID_PATTERN.test(id) || !PEER_ID_PATTERN.test(token)) return reject(ws, 'invalid-id', ip);
    if (room !== undefined && !ROOM_ID_PATTERN.test(room)) return reject(ws, 'invalid-room', ip);
    // Only who holds the link's secret can join (and so hear about, fill or relay into) a room.
    if (room !== undefined && !admits(room, admission)) return reject(ws, 'not-admitted', ip);
    const existing = registry.get(id);
    if (existing && !sameToken(existing.token, token)) return reject(ws, 'id-taken', ip);
    if (!existing && !reservations.claim(id, token)) return reject(ws, 'id-taken', ip);

    const conn: Connection = {
      ws,
      id,
      token,
      registration: node.nextConnection(),
      claimed: false,
      room,
      ip,
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
    const claim = await node.claim(conn.id, {
      connection: conn.registration,
      instance: cluster.instanceId,
      tokenHash: hashToken(conn.token),
      room,
    });
    conn.claimed = claim.ok;
    // Closed meanwhile: onClose has run and found nothing to release yet.
    if (conn.ws.readyState === WebSocket.CLOSED) releaseClaim(conn);
    if (!isCurrent(conn)) return;
    if (!claim.ok) {
      // Held on another instance with another token.
      registry.delete(conn.id);
      reject(conn.ws, 'id-taken', conn.ip);
      return;
    }
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
        reject(conn.ws, result ? 'room-full' : 'room-unavailable', conn.ip);
        return;
      }
      members = result.members;
    }

    conn.open = true;
    send(conn.ws, members === undefined ? { type: 'OPEN' } : { type: 'OPEN', payload: { room, members } });
    log({ event: 'peer-connected', id: conn.id });
    for (const held of pending.take(conn.id)) {
      // Held before we knew its room: only what came from the same room (or from none, to none) goes.
      if (held.room !== conn.room) continue;
      conn.ws.send(held.data);
      metrics.messagesRelayed.inc();
    }
    if (room !== undefined && members !== undefined) {
      rooms.connect(room, conn.id);
      node.joined({ room, id: conn.id }, conn.registration);
      log({ event: 'room-joined', room, id: conn.id, members: members.length });
      tellRoom(room, conn.id, { type: 'ROOM-JOIN', src: conn.id, payload: { members } }, members);
    }
    node.online(conn.id);
    for (const [data, isBinary] of conn.early.splice(0)) {
      if (conn.ws.readyState === WebSocket.OPEN) handleFrame(conn, data, isBinary);
    }
  }

  function releaseClaim(conn: Connection): void {
    if (!conn.claimed) return;
    conn.claimed = false;
    node.release(conn.id, conn.registration);
  }

  function onClose(conn: Connection): void {
    releaseClaim(conn);
    if (registry.get(conn.id) !== conn) return; // replaced or refused: nothing of it is registered
    registry.delete(conn.id);
    // A room join still in flight cleans up after itself in register().
    if (!conn.open) return;
    conn.open = false;
    // Its owner may be reconnecting: nobody else gets the id for the reconnect limit.
    if (!closing) reservations.reserve(conn.id, conn.token);
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
    if (target && target.room !== from.room) {
      // A room's members hear only from each other: an outsider knowing an id cannot flood or end a call.
      logFrameRejected(from, 'not-in-room');
      if (type !== 'LEAVE') send(from.ws, { type: 'EXPIRE', src: dst, dst: from.id });
      return;
    }
    if (target?.open && target.ws.readyState === WebSocket.OPEN) {
      const heavy = !from.volume.take(data.length);
      const buffered = target.ws.bufferedAmount;
      const overSoft = buffered > softBufferLimit && (heavy || buffered > hardBufferLimit);
      if (overSoft || !budget.allows(target.ws, data.length)) {
        // EXPIRE ("not delivered to dst"), not ERROR: peerjs clients treat every ERROR as fatal.
        logFrameRejected(from, 'destination-busy');
        send(from.ws, { type: 'EXPIRE', src: dst, dst: from.id });
        return;
      }
      target.ws.send(data);
      budget.queued(target.ws, data.length);
      metrics.messagesRelayed.inc();
      return;
    }
    // Not here at all: maybe on another instance (which holds it, or tells EXPIRE after the usual wait).
    if (target === undefined && node.distributed)
      return node.relay.send(
        dst,
        { src: from.id, data, relay: from.room === undefined ? {} : { room: from.room } },
        type !== 'LEAVE',
      );
    // A LEAVE for someone who is not here has nobody to tell; the others may be just about to connect.
    if (type === 'LEAVE') return;
    if (!pending.add({ src: from.id, dst, data, room: from.room })) {
      send(from.ws, { type: 'EXPIRE', src: dst, dst: from.id });
    }
  }

  function sweep(): void {
    for (const { src, dst } of pending.expire()) tellExpire(src, dst);
    node.relay.sweep();
    const silentSince = Date.now() - ALIVE_TIMEOUT_MS;
    for (const conn of registry.values()) {
      if (conn.lastSeen >= silentSince) continue;
      log({ event: 'peer-timed-out', id: conn.id });
      conn.ws.terminate();
    }
    reservations.sweep();
    for (const ws of budget.sweep(sockets)) {
      const conn = [...registry.values()].find((c) => c.ws === ws);
      log({ event: 'stuck-reader', id: conn?.id ?? '', bufferedBytes: ws.bufferedAmount });
      metrics.stuckReadersClosed.inc();
      ws.terminate();
    }
  }

  /** Frames from `src` to `dst` were not delivered: `src` hears EXPIRE, wherever it is. */
  function tellExpire(src: string, dst: string): void {
    const sender = registry.get(src);
    const expire = { type: 'EXPIRE', src: dst, dst: src };
    if (sender?.open) send(sender.ws, expire);
    else if (sender === undefined && node.distributed)
      node.relay.send(src, { src: dst, data: JSON.stringify(expire) }, false);
  }

  /** A frame another instance relayed to a peer of ours. */
  function deliverFromBus(dst: string, { src, data, relay }: BusFrame): void {
    const target = registry.get(dst);
    // Relays across instances keep rooms apart as relays here do (an outsider's frames go nowhere).
    if (relay !== undefined && target !== undefined && target.room !== relay.room) return;
    if (target?.open && target.ws.readyState === WebSocket.OPEN) {
      if (target.ws.bufferedAmount > hardBufferLimit) return tellExpire(src, dst);
      target.ws.send(data);
      metrics.messagesRelayed.inc();
      metrics.busFramesReceived.inc();
    } else if (target !== undefined && !target.open) {
      if (!pending.add({ src, dst, data, room: relay ? relay.room : target.room })) tellExpire(src, dst);
    }
    // Gone from here meanwhile: like a frame for a peer that just left, nobody is told.
  }

  /** `id` registered again on another instance (same token): the socket here goes, as in replace(). */
  function replacedElsewhere(id: string, by: string, room: string | undefined): void {
    const old = registry.get(id);
    if (!old || old.registration === by) return;
    registry.delete(id);
    log({ event: 'peer-replaced', id });
    if (old.open && old.room !== undefined && old.room !== room) leaveRoom(old, 'replaced');
    else if (old.room !== undefined) {
      // Same room: the membership is the new socket's now; only this instance's part of it goes.
      rooms.disconnect(old.room, id, false);
      node.left({ room: old.room, id }, '');
    }
    old.room = undefined;
    old.open = false;
    old.ws.close(4000, 'replaced by a newer connection');
  }

  /**
   * Redis is back after an outage: say again which ids this instance holds and which rooms they are in.
   * Members another instance reaped meanwhile are back in their room, and the room hears ROOM-JOIN.
   */
  async function reassert(attempt = 1): Promise<void> {
    if (closing) return;
    if (attempt === 1) log({ event: 'cluster-restored', peers: registry.size });
    try {
      await cluster.resubscribe();
      const reaped = new Set((await cluster.presence.takeReaped()).map(({ room, id }) => `${room} ${id}`));
      for (const conn of [...openConnections()]) {
        const claim = await cluster.directory.claim(conn.id, {
          connection: conn.registration,
          instance: cluster.instanceId,
          tokenHash: hashToken(conn.token),
          room: conn.room,
        });
        if (!claim.ok) {
          // Someone else took the id (another token) while we could not tell them it was ours.
          registry.delete(conn.id);
          leaveRoom(conn, 'replaced');
          conn.open = false;
          reject(conn.ws, 'id-taken', conn.ip);
          continue;
        }
        const room = conn.room;
        if (room === undefined || !conn.open) continue;
        const result = await rooms.join(room, conn.id);
        if (!result.ok || conn.room !== room) continue;
        node.joined({ room, id: conn.id }, conn.registration);
        // Another instance reaped it while this one was cut off, and the room heard LEAVE: now it is back.
        if (reaped.has(`${room} ${conn.id}`)) {
          const members = result.members;
          tellRoom(room, conn.id, { type: 'ROOM-JOIN', src: conn.id, payload: { members } }, members);
        }
      }
    } catch (error) {
      // E.g. the room store's connection is not back yet: try again (claims and joins are idempotent).
      log({ event: 'cluster-error', operation: 'reassert', reason: errorReason(error) });
      if (attempt < 30) setTimeout(() => void reassert(attempt + 1), 1000).unref();
    }
  }

  return {
    accept,
    async authenticate(id, token) {
      const conn = registry.get(id);
      if (conn?.open) return sameToken(conn.token, token) ? { id: conn.id, room: conn.room } : undefined;
      if (!node.distributed) return undefined;
      const entry = await node.lookup(id);
      if (!entry || entry.instance === cluster.instanceId || !sameToken(entry.tokenHash, hashToken(token)))
        return undefined;
      return { id, room: entry.room };
    },
    async isConnected(id) {
      if (registry.get(id)?.open === true) return true;
      if (!node.distributed) return false;
      const entry = await node.lookup(id);
      return entry !== undefined && entry.instance !== cluster.instanceId;
    },
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
      await node.close();
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

function wsErrorReason(error: Error): FrameRejection {
  const code = (error as { code?: unknown }).code;
  if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return 'frame-too-large';
  if (code === 'WS_ERR_INVALID_UTF8') return 'invalid-utf8';
  return 'protocol-error';
}
