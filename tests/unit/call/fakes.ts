/**
 * Fakes for what cannot run in Node: a clock, a WebSocket, a PeerJS server, simple-peer and a camera.
 * Each keeps only the behaviour the call core relies on, and keeps it honest (asynchronous delivery,
 * throwing where the real thing throws).
 */
import type {
  MediaStreamLike,
  PeerConnectionState,
  PeerFactory,
  PeerLike,
  PeerMedia,
  SocketLike,
  TimerHandle,
  Timers,
  TrackLike,
} from '../../../src/call/ports.js';
import type { Role } from '../../../src/call/call-machine.js';
import { Call } from '../../../src/call/call.js';
import { newId, type RandomBytes } from '../../../src/call/ids.js';
import type { Invite } from '../../../src/call/link.js';
import type { SignalData, IceServer } from '../../../src/call/protocol.js';
import type { DegradationPreference, EncodingSettings } from '../../../src/call/quality/actuation.js';
import { chromeReport, healthySecond, ids, next, type Stat } from './quality/chrome-stats.js';

/** Lets already-queued promise callbacks and real I/O callbacks (e.g. WebCrypto) run. */
/**
 * Random bytes whose first byte is fixed, so that ids made from them sort where a test needs them (the
 * glare rule: the smaller id of a pair offers). 0xF8 gives ids starting with '-', the smallest character
 * of the id alphabet; 0xCC gives 'z', the largest.
 */
export function randomWithFirstByte(first: number): RandomBytes {
  return (length) => {
    const bytes = crypto.getRandomValues(new Uint8Array(length));
    if (length > 0) bytes[0] = first;
    return bytes;
  };
}

/** A 1:1 call as before group calls: the guest (the smaller id) offers, the host answers. */
export const randomFor = (role: Role): RandomBytes => randomWithFirstByte(role === 'guest' ? 0xf8 : 0xcc);

export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Tracks whether a promise has settled, without awaiting it. */
export function track<T>(promise: Promise<T>): {
  readonly state: 'pending' | 'fulfilled' | 'rejected';
  readonly value: T | undefined;
  readonly error: unknown;
} {
  const result = {
    state: 'pending' as 'pending' | 'fulfilled' | 'rejected',
    value: undefined as T | undefined,
    error: undefined as unknown,
  };
  promise.then(
    (value) => Object.assign(result, { state: 'fulfilled', value }),
    (error: unknown) => Object.assign(result, { state: 'rejected', error }),
  );
  return result;
}

// ---------------------------------------------------------------------------------------------------------
// Clock

/** Lets every pending promise callback run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

interface Task {
  at: number;
  readonly fn: () => void;
  readonly every: number | undefined;
}

/** A deterministic clock: nothing runs until `advance(ms)`, and then in time order. */
export class FakeTimers implements Timers {
  #now = 0;
  #nextHandle = 1;
  readonly #tasks = new Map<number, Task>();

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.#add(fn, ms, undefined);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.#add(fn, ms, Math.max(1, ms));
  }

  clearTimeout(handle: TimerHandle): void {
    this.#tasks.delete(handle as number);
  }

  clearInterval(handle: TimerHandle): void {
    this.#tasks.delete(handle as number);
  }

  now(): number {
    return this.#now;
  }

  /** How many timeouts and intervals are still scheduled. */
  get pending(): number {
    return this.#tasks.size;
  }

  /** Moves the clock forward, running every task that falls due, in order (intervals repeatedly). */
  advance(ms: number): void {
    const target = this.#now + ms;
    while (this.#runNext(target));
    this.#now = target;
  }

  /** Like `advance`, but lets pending promise callbacks run after each task (for async loops). */
  async advanceSettling(ms: number): Promise<void> {
    const target = this.#now + ms;
    while (this.#runNext(target)) await settle();
    this.#now = target;
    await settle();
  }

  /** Runs the earliest task due by `target`; false when none is. */
  #runNext(target: number): boolean {
    let due: [number, Task] | undefined;
    for (const entry of this.#tasks) {
      if (entry[1].at > target) continue;
      if (!due || entry[1].at < due[1].at || (entry[1].at === due[1].at && entry[0] < due[0])) due = entry;
    }
    if (!due) return false;
    const [handle, task] = due;
    this.#now = task.at;
    if (task.every === undefined) this.#tasks.delete(handle);
    else task.at += task.every;
    task.fn();
    return true;
  }

  #add(fn: () => void, ms: number, every: number | undefined): number {
    const handle = this.#nextHandle++;
    this.#tasks.set(handle, { at: this.#now + Math.max(0, ms), fn, every });
    return handle;
  }
}

// ---------------------------------------------------------------------------------------------------------
// WebSocket

export const CONNECTING = 0;
export const OPEN = 1;
export const CLOSING = 2;
export const CLOSED = 3;

interface SocketHooks {
  /** The client sent a frame. */
  send?(frame: string): void;
  /** The socket closed, from either side. */
  closed?(): void;
}

/** A WebSocket driven by the test (or by FakePeerServer) from the server's side. */
export class FakeSocket implements SocketLike {
  readyState = CONNECTING;
  readonly sent: string[] = [];
  /** The frames the server delivered to the client. */
  readonly delivered: string[] = [];
  /** The code and reason of the client's own close(), if it called it. */
  closedByClient: { code: number | undefined; reason: string | undefined } | undefined;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(
    readonly url: string,
    /** The WebSocket subprotocols asked for (our credentials ride there: src/call/admission.ts). */
    readonly protocols: readonly string[] = [],
    private readonly hooks: SocketHooks = {},
  ) {}

  /** The credential a `<name>.<value>` subprotocol carries. */
  protocolValue(name: string): string | undefined {
    return this.protocols.find((p) => p.startsWith(`${name}.`))?.slice(name.length + 1);
  }

  // The client's side.

  send(data: string): void {
    if (this.readyState !== OPEN)
      throw new Error(`InvalidStateError: send() in readyState ${this.readyState}`);
    this.sent.push(data);
    this.hooks.send?.(data);
  }

  close(code?: number, reason?: string): void {
    if (this.readyState >= CLOSING) return;
    this.closedByClient = { code, reason };
    this.readyState = CLOSING;
    this.hooks.closed?.();
    // Like a browser: the close event comes later, to whatever handler is still set.
    queueMicrotask(() => {
      this.readyState = CLOSED;
      this.onclose?.({ code: code ?? 1005, reason: reason ?? '' });
    });
  }

  // The server's side.

  serverOpen(): void {
    this.readyState = OPEN;
    this.onopen?.({});
  }

  /** Delivers a frame now; objects are sent as JSON. */
  serverSend(message: unknown): void {
    if (this.readyState !== OPEN) return;
    const data = typeof message === 'string' ? message : JSON.stringify(message);
    this.delivered.push(data);
    this.onmessage?.({ data });
  }

  serverClose(code = 1000, reason = ''): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.hooks.closed?.();
    this.onclose?.({ code, reason });
  }

  /** A connection failure: error, then close 1006, as browsers report it. */
  serverFail(): void {
    this.readyState = CLOSED;
    this.hooks.closed?.();
    this.onerror?.({});
    this.onclose?.({ code: 1006, reason: '' });
  }

  /** The frames the client sent, parsed. */
  get sentMessages(): Array<Record<string, unknown>> {
    return this.sent.map((frame) => JSON.parse(frame) as Record<string, unknown>);
  }
}

// ---------------------------------------------------------------------------------------------------------
// PeerJS server

export interface RelayedFrame {
  readonly src: string;
  readonly dst: unknown;
  readonly type: unknown;
  readonly payload: unknown;
  /** The frame exactly as the client sent it. */
  readonly frame: string;
}

const RELAYED_TYPES = new Set(['OFFER', 'ANSWER', 'CANDIDATE', 'LEAVE']);

/**
 * The PeerJS server's protocol in memory: OPEN on connect, ID-TAKEN (then close) for an id in use, relays
 * OFFER/ANSWER/CANDIDATE/LEAVE to `dst` with `src` set by the server, EXPIRE back to the sender for an
 * unknown `dst` (never for LEAVE), and drops anything else. Delivery is asynchronous.
 */
export class FakePeerServer {
  /** Every socket ever made, in order. */
  readonly sockets: FakeSocket[] = [];
  /** Registered peers by id. */
  readonly clients = new Map<string, FakeSocket>();
  /** Every relayable frame any client sent, delivered or not. */
  readonly relayed: RelayedFrame[] = [];
  /** When set, sockets fail to connect. */
  unreachable = false;
  /** Room members by room, in join order (as peer-server keeps them). */
  readonly rooms = new Map<string, string[]>();
  /** ROOM_CAPACITY. */
  capacity = 6;

  readonly socketFactory = (url: string, protocols: readonly string[] = []): FakeSocket => {
    const id = new URL(url).searchParams.get('id') ?? '';
    const room = new URL(url).searchParams.get('room') ?? undefined;
    const socket: FakeSocket = new FakeSocket(url, protocols, {
      send: (frame) => this.#onFrame(id, socket, frame),
      closed: () => {
        if (this.clients.get(id) !== socket) return;
        this.clients.delete(id);
        if (room !== undefined && !this.#crashing) this.#leaveRoom(room, id);
      },
    });
    this.sockets.push(socket);
    queueMicrotask(() => {
      if (socket.readyState !== CONNECTING) return;
      if (this.unreachable) return socket.serverFail();
      socket.serverOpen();
      if (id === '' || this.clients.has(id)) {
        socket.serverSend({ type: 'ID-TAKEN', payload: { msg: 'ID is taken' } });
        socket.serverClose(1000, 'ID is taken');
        return;
      }
      if (room === undefined) {
        this.clients.set(id, socket);
        socket.serverSend({ type: 'OPEN' });
        return;
      }
      const members = this.rooms.get(room) ?? [];
      if (!members.includes(id) && members.length >= this.capacity) {
        socket.serverSend({ type: 'ERROR', payload: { msg: 'room-full' } });
        socket.serverClose(1008, 'room-full');
        return;
      }
      this.clients.set(id, socket);
      if (!members.includes(id)) members.push(id);
      this.rooms.set(room, members);
      socket.serverSend({ type: 'OPEN', payload: { room, members: [...members] } });
      for (const member of members)
        if (member !== id)
          this.clients.get(member)?.serverSend({ type: 'ROOM-JOIN', src: id, payload: { members } });
    });
    return socket;
  };

  /** A member's socket closed: the others hear LEAVE{reason:'gone'}, as from peer-server. */
  #leaveRoom(room: string, id: string): void {
    const members = this.rooms.get(room);
    if (!members?.includes(id)) return;
    members.splice(members.indexOf(id), 1);
    if (members.length === 0) this.rooms.delete(room);
    for (const member of members)
      this.clients.get(member)?.serverSend({ type: 'LEAVE', src: id, payload: { reason: 'gone' } });
  }

  /** The server process dies: every socket closes abnormally (set `unreachable` to keep it down). */
  crash(): void {
    // A dead process tells nobody anything, and its rooms die with it.
    this.#crashing = true;
    for (const socket of this.sockets) socket.serverClose(1006, '');
    this.#crashing = false;
    this.rooms.clear();
  }

  #crashing = false;

  /** Relayed frames sent by a peer id (optionally to a peer id). */
  from(src: string, dst?: string): RelayedFrame[] {
    return this.relayed.filter((f) => f.src === src && (dst === undefined || f.dst === dst));
  }

  #onFrame(src: string, socket: FakeSocket, frame: string): void {
    const message = JSON.parse(frame) as { type?: unknown; dst?: unknown; payload?: unknown };
    if (message.type === 'HEARTBEAT' && (message.payload as { echo?: unknown } | undefined)?.echo === true) {
      queueMicrotask(() => socket.serverSend({ type: 'HEARTBEAT' }));
      return;
    }
    if (typeof message.type !== 'string' || !RELAYED_TYPES.has(message.type)) return;
    this.relayed.push({ src, dst: message.dst, type: message.type, payload: message.payload, frame });
    const target = typeof message.dst === 'string' ? this.clients.get(message.dst) : undefined;
    queueMicrotask(() => {
      if (target) {
        target.serverSend({ type: message.type, src, dst: message.dst, payload: message.payload });
      } else if (message.type !== 'LEAVE') {
        socket.serverSend({ type: 'EXPIRE', src: message.dst, dst: src });
      }
    });
  }
}

// ---------------------------------------------------------------------------------------------------------
// Camera

export class FakeTrack implements TrackLike {
  enabled = true;
  stopped = false;

  constructor(readonly kind: 'audio' | 'video') {}

  stop(): void {
    this.stopped = true;
  }
}

export class FakeStream implements MediaStreamLike {
  readonly tracks: readonly FakeTrack[] = [new FakeTrack('audio'), new FakeTrack('video')];

  constructor(readonly id: string) {}

  getTracks(): FakeTrack[] {
    return [...this.tracks];
  }

  getAudioTracks(): FakeTrack[] {
    return this.tracks.filter((t) => t.kind === 'audio');
  }

  getVideoTracks(): FakeTrack[] {
    return this.tracks.filter((t) => t.kind === 'video');
  }

  get allStopped(): boolean {
    return this.tracks.every((t) => t.stopped);
  }
}

/** A getUserMedia whose answer the test gives later. */
export function deferredMedia(): {
  readonly getUserMedia: () => Promise<FakeStream>;
  readonly calls: number;
  resolve(stream: FakeStream): void;
  reject(error: unknown): void;
} {
  let resolve!: (stream: FakeStream) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<FakeStream>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  let calls = 0;
  return {
    getUserMedia: () => {
      calls++;
      return promise;
    },
    get calls() {
      return calls;
    },
    resolve,
    reject,
  };
}

// ---------------------------------------------------------------------------------------------------------
// simple-peer

export type MediaCall =
  | { readonly op: 'replaceVideoTrack'; readonly track: TrackLike | null }
  | { readonly op: 'replaceAudioTrack'; readonly track: TrackLike | null }
  | {
      readonly op: 'setVideoEncoding';
      readonly encoding: EncodingSettings;
      readonly preference: DegradationPreference;
    };

/**
 * The peer connection's media side: each getStats() is one more second of a call shaped like Chromium's
 * (chrome-stats.ts), with the bandwidth estimate the test sets; sender changes are recorded.
 */
export class FakePeerMedia implements PeerMedia {
  /** The sender's bandwidth estimate from the next report on. */
  availableKbps = 3000;
  statsCalls = 0;
  readonly calls: MediaCall[] = [];
  #report: Stat[] = chromeReport(1_000_000);

  /** `pathUp`: whether the pair's media path carries anything now (a cut path delivers no bytes). */
  constructor(private readonly pathUp: () => boolean = () => true) {}

  getStats(): Promise<Map<string, Stat>> {
    this.statsCalls += 1;
    this.#report = next(healthySecond(this.#report), 0, {
      [ids.pair]: { set: { availableOutgoingBitrate: this.availableKbps * 1000 } },
    });
    return Promise.resolve(new Map(this.#report.map((stat) => [stat.id, stat])));
  }

  /** While true, nothing arrives from the other side (its media stopped; ICE may not have noticed yet). */
  inboundFrozen = false;
  #received = 0;

  /** A quarter second of the healthy call's inbound audio and video per read, none while frozen or cut. */
  receivedBytes(): Promise<number> {
    if (!this.inboundFrozen && this.pathUp()) this.#received += (4_000 + 312_500) / 4;
    return Promise.resolve(this.#received);
  }

  replaceVideoTrack(track: TrackLike | null): Promise<void> {
    this.calls.push({ op: 'replaceVideoTrack', track });
    return Promise.resolve();
  }

  setVideoEncoding(encoding: EncodingSettings, preference: DegradationPreference): Promise<void> {
    this.calls.push({ op: 'setVideoEncoding', encoding, preference });
    return Promise.resolve();
  }

  replaceAudioTrack(track: TrackLike | null): Promise<void> {
    this.calls.push({ op: 'replaceAudioTrack', track });
    return Promise.resolve();
  }
}

type PeerEvent = 'signal' | 'stream' | 'data' | 'connect' | 'close' | 'error' | 'connectionState';
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- one listener map for every event
type AnyListener = (...args: any[]) => void;

/**
 * A simple-peer stand-in. Its offer/answer name the peer that made them, so whoever receives one is linked
 * to that peer; once each side has the other's description and at least one of its candidates, both emit
 * 'stream' (a copy of the other's stream) and 'connect'. `send()` delivers to the other side as bytes (as
 * simple-peer does outside object mode); `destroy()` closes this side and then the other.
 */
export class FakePeer implements PeerLike<FakeStream> {
  readonly name: string;
  readonly received: SignalData[] = [];
  readonly sentData: string[] = [];
  remote: FakePeer | undefined;
  readonly media = new FakePeerMedia(() => this.#pathUp);
  connected = false;
  destroyed = false;
  /** The last connectionState this peer reported. */
  connectionState: PeerConnectionState = 'new';
  /** restartIce() calls, and the ICE servers each was given. */
  readonly restarts: (readonly IceServer[] | undefined)[] = [];
  /** Offers this side has made (1 + completed or pending restarts, for the initiator). */
  offers = 0;
  /** This pair's own path is cut (FakePeerNetwork.setPairLink), whatever the network as a whole does. */
  pathDown = false;
  readonly #listeners = new Map<PeerEvent, AnyListener[]>();

  constructor(
    private readonly network: FakePeerNetwork,
    index: number,
    readonly initiator: boolean,
    readonly stream: FakeStream,
  ) {
    this.name = `peer${index}`;
    if (initiator) queueMicrotask(() => this.#describe('offer'));
  }

  on(event: PeerEvent, listener: AnyListener): this {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), listener]);
    return this;
  }

  /** Reports a connection state, as RTCPeerConnection's connectionstatechange does. */
  setConnectionState(state: PeerConnectionState): void {
    if (this.destroyed || this.connectionState === state) return;
    this.connectionState = state;
    this.#emit('connectionState', state);
  }

  restartIce(iceServers?: readonly IceServer[]): void {
    if (this.destroyed) return;
    this.restarts.push(iceServers);
    if (this.initiator) queueMicrotask(() => this.#describe('offer'));
    else queueMicrotask(() => this.#emit('signal', { type: 'renegotiate', renegotiate: true }));
  }

  signal(data: SignalData): void {
    if (this.destroyed) throw new Error('cannot signal after peer is destroyed');
    this.received.push(data);
    // A new offer or answer once connected is an ICE restart: it works when the network lets it.
    if (this.connected && (data.type === 'offer' || data.type === 'answer')) {
      if (data.type !== (this.initiator ? 'answer' : 'offer')) throw new Error(`unexpected ${data.type}`);
      if (data.type === 'offer') queueMicrotask(() => this.#describe('answer'));
      else if (this.#pathUp) {
        const remote = this.remote;
        queueMicrotask(() => {
          this.setConnectionState('connected');
          remote?.setConnectionState('connected');
        });
      }
      return;
    }
    if (data.type === 'offer' || data.type === 'answer') {
      if (data.type !== (this.initiator ? 'answer' : 'offer')) throw new Error(`unexpected ${data.type}`);
      const from = this.network.peers.find((p) => data.sdp?.includes(`o=fake ${p.name} `));
      if (!from) throw new Error('an SDP from no known peer');
      this.remote = from;
      if (!this.initiator) queueMicrotask(() => this.#describe('answer'));
    }
    this.#maybeConnect();
  }

  send(data: string): void {
    if (this.destroyed) throw new Error('cannot send after peer is destroyed');
    const remote = this.remote;
    if (!this.connected || !remote) throw new Error('InvalidStateError: the data channel is not open');
    this.sentData.push(data);
    if (!this.#pathUp) return; // lost on the broken path (SCTP would retry; nothing arrives)
    const bytes = new TextEncoder().encode(data);
    queueMicrotask(() => {
      if (!remote.destroyed) remote.#emit('data', bytes);
    });
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.connected = false;
    queueMicrotask(() => this.#emit('close'));
    const remote = this.remote;
    // The other side sees its channel close and destroys itself, as simple-peer does.
    if (remote) queueMicrotask(() => remote.destroy());
  }

  get #pathUp(): boolean {
    return this.network.linkUp && !this.pathDown && !this.remote?.pathDown;
  }

  /** Whether ICE checks could start: this side has the other's description and a candidate. */
  get checking(): boolean {
    return this.#ready;
  }

  /** Has this side got the other's description and at least one of its candidates? */
  get #ready(): boolean {
    const remote = this.remote;
    if (!remote) return false;
    return this.received.some(
      (s) => s.type === 'candidate' && s.candidate.candidate.includes(` ${remote.name} `),
    );
  }

  #maybeConnect(): void {
    const remote = this.remote;
    if (!remote || this.connected || !this.network.connectable || this.network.blocks(this, remote)) return;
    if (remote.remote !== this || !this.#ready || !remote.#ready || remote.destroyed) return;
    for (const [side, other] of [
      [this, remote],
      [remote, this],
    ] as const) {
      side.connected = true;
      queueMicrotask(() => {
        if (side.destroyed) return;
        side.#emit('stream', new FakeStream(other.stream.id));
        side.setConnectionState('connected');
        side.#emit('connect');
      });
    }
  }

  #describe(type: 'offer' | 'answer'): void {
    if (this.destroyed) return;
    if (type === 'offer') this.offers += 1;
    const sdp = `v=0\r\no=fake ${this.name} 1 IN IP4 0.0.0.0\r\na=fingerprint:sha-256 AB:CD:${this.name}\r\n`;
    this.#emit('signal', { type, sdp });
    this.#emit('signal', {
      type: 'candidate',
      candidate: {
        candidate: `candidate:1 1 udp 2122260223 ${this.name} 5000 typ host`,
        sdpMLineIndex: 0,
        sdpMid: '0',
      },
    });
  }

  #emit(event: PeerEvent, ...args: unknown[]): void {
    for (const listener of this.#listeners.get(event) ?? []) listener(...args);
  }
}

export class FakePeerNetwork {
  readonly peers: FakePeer[] = [];
  /** The ICE servers each peer was created with, in creation order. */
  readonly iceServers: (readonly IceServer[])[] = [];
  /** When false, signals still travel but no connection forms (a firewall dropping every ICE check). */
  connectable = true;
  /** Like `connectable`, for one pair only: true keeps these two from connecting (their signals still travel). */
  blocks: (a: FakePeer, b: FakePeer) => boolean = () => false;
  /** False while the media path is cut (a blackout): data is lost and ICE restarts cannot complete. */
  linkUp = true;

  /** Cuts or restores the media path; connected peers report `state` (e.g. 'disconnected', 'failed'). */
  setLink(up: boolean, state: PeerConnectionState = up ? 'connected' : 'disconnected'): void {
    this.linkUp = up;
    for (const peer of this.peers) if (peer.connected) peer.setConnectionState(state);
  }

  /** Cuts or restores one pair's path only (both of its peers report `state`); other pairs carry on. */
  setPairLink(
    peer: FakePeer,
    up: boolean,
    state: PeerConnectionState = up ? 'connected' : 'disconnected',
  ): void {
    const pair = [peer, peer.remote].filter((p): p is FakePeer => p !== undefined);
    for (const p of pair) p.pathDown = !up;
    for (const p of pair) if (p.connected) p.setConnectionState(state);
  }

  readonly createPeer: PeerFactory<FakeStream> = ({ initiator, stream, iceServers }) => {
    this.iceServers.push(iceServers);
    const peer = new FakePeer(this, this.peers.length, initiator, stream);
    this.peers.push(peer);
    return peer;
  };
}

// ---------------------------------------------------------------------------------------------------------
// Calls

export interface RigSide {
  readonly call: Call<FakeStream>;
  readonly stream: FakeStream;
}

/** Host and guest calls on one fake clock, server and network: the setup Call tests share. */
export class CallRig {
  readonly timers = new FakeTimers();
  readonly server = new FakePeerServer();
  readonly network = new FakePeerNetwork();
  readonly invite: Invite = { serverUrl: 'https://diyalog.test/base', room: newId(), secret: newId() };

  async started(role: Role, options: { autoFallback?: boolean } = {}): Promise<RigSide> {
    const stream = new FakeStream(`${role}-camera-${newId()}`);
    const call = new Call<FakeStream>({
      role,
      invite: this.invite,
      ports: {
        socketFactory: this.server.socketFactory,
        createPeer: this.network.createPeer,
        getUserMedia: () => Promise.resolve(stream),
        timers: this.timers,
        random: randomFor(role),
      },
      ...options,
    });
    await call.start();
    return { call, stream };
  }

  /** A host and a guest, connected (waits in real time for WebCrypto and the fake network). */
  async connectedPair(
    options: { guestAutoFallback?: boolean } = {},
  ): Promise<{ host: RigSide; guest: RigSide }> {
    const host = await this.started('host');
    const guest = await this.started(
      'guest',
      options.guestAutoFallback === undefined ? {} : { autoFallback: options.guestAutoFallback },
    );
    guest.call.join();
    for (
      let i = 0;
      i < 1500 && (host.call.state.phase !== 'connected' || guest.call.state.phase !== 'connected');
      i++
    )
      await new Promise((resolve) => setTimeout(resolve, 2));
    if (host.call.state.phase !== 'connected' || guest.call.state.phase !== 'connected')
      throw new Error(`no connection: host ${host.call.state.phase}, guest ${guest.call.state.phase}`);
    return { host, guest };
  }

  peerOf(side: RigSide): FakePeer {
    const peer = this.network.peers.find((p) => p.stream === side.stream);
    if (!peer) throw new Error('this side has no peer');
    return peer;
  }

  /** Runs the clock a second at a time, letting each getStats answer and each data-channel message land. */
  async seconds(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      this.timers.advance(1000);
      for (let j = 0; j < 4; j++) await nextTurn();
    }
  }
}
