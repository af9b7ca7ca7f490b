import {
  initialState,
  isFinal,
  isLive,
  nextState,
  type CallEvent,
  type CallState,
  type Role,
} from './call-machine.js';
import type { PeerMessage } from './channel/messages.js';
import { Emitter } from './emitter.js';
import { admissionFor, peerAuthorization } from './admission.js';
import { CallError, mediaError } from './errors.js';
import type { FileChannelLike } from './files/channel.js';
import { IceConfig } from './ice-config.js';
import { cryptoRandomBytes, newId } from './ids.js';
import { isLinkLive, type LinkState } from './link/link-machine.js';
import type { PeerLink } from './link/peer-link.js';
import { Mesh } from './mesh/mesh.js';
import { iceServersUrl, type Invite } from './link.js';
import { LocalMedia, type ShareSource } from './media/local-media.js';
import { boundName } from './names.js';
import type { MediaStreamLike } from './ports.js';
import type { ServerMessage } from './protocol.js';
import type { StatsInput } from './quality/stats.js';
import { Roster } from './roster.js';
import { deriveKey } from './seal.js';
import { SealedRelay } from './sealed-relay.js';
import { SignalingClient } from './signaling.js';
import { TimerGroup } from './timer-group.js';

export type { ShareSource } from './media/local-media.js';
export {
  callStatus,
  remoteLowered,
  remotePause,
  sendingAudioOnly,
  showsDecision,
  shownBars,
  tileBars,
  tileTrouble,
  type StatusFacts,
  type TileTrouble,
  type RemotePause,
} from './status.js';

import type { CallEvents, CallOptions, CallPorts, CallSnapshot, Participant } from './call-types.js';
export type { CallEvents, CallOptions, CallPorts, CallSnapshot, Participant } from './call-types.js';

const DEFAULT_RECONNECT_LIMIT_MS = 60_000;
export { PAIR_BACKOFF_DOUBLINGS, PAIR_CONNECT_MS, PAIR_PATIENCE } from './mesh/pair-watch.js';
export const DEFAULT_CAPACITY = 6;

/**
 * One call, from camera start to hang-up: the session (its phase, local media, the roster, the sealed
 * signaling relay) and its peer links, one per remote participant (a mesh of up to 6). Everyone registers a
 * random id in the invite's room; the room is nobody's id. The host ("Start call") is in the call at once;
 * a guest prepares camera, socket and ICE servers while looking at the preview and is in on "Join call".
 * Whoever is in says so (a sealed hello) to everyone registered, and for each pair the smaller id offers,
 * so two people joining at once never both offer. Every signaling payload is sealed with the invite's
 * secret.
 */
export class Call<S extends MediaStreamLike> extends Emitter<CallEvents> {
  readonly role: Role;
  readonly invite: Invite;
  readonly peerId: string;
  readonly #token: string;
  readonly #ports: CallPorts<S>;
  readonly #signaling: SignalingClient;
  readonly #relay: SealedRelay;
  readonly #ice: IceConfig;
  readonly #roster: Roster;
  readonly #local = new LocalMedia<S>();
  readonly #mesh: Mesh<S>;
  readonly #connectTimeoutMs: number;
  readonly #reconnectLimitMs: number | undefined;
  #name: string | undefined;
  /** A room's joiner past its connect time, signaling open: the status says it is still trying (not failed). */
  #stillConnecting = false;
  /** When our signaling socket dropped (undefined while it is open). */
  #signalingDownAt: number | undefined;
  #state: CallState = initialState;
  readonly #timers: TimerGroup;
  #released = false;
  #autoFallback: boolean;

  constructor(options: CallOptions<S>) {
    super();
    this.role = options.role;
    this.invite = options.invite;
    this.#ports = options.ports;
    this.#timers = new TimerGroup(options.ports.timers);
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 20_000;
    this.#reconnectLimitMs = options.reconnectLimitMs;
    this.#autoFallback = options.autoFallback ?? true;
    this.#name = options.name === undefined ? undefined : boundName(options.name);
    const random = options.ports.random ?? cryptoRandomBytes;
    this.peerId = newId(random);
    this.#token = newId(random);
    const admission = admissionFor(options.invite.secret);
    admission.catch(() => undefined); // a bad secret fails start() through connect()
    this.#roster = new Roster(this.peerId, options.capacity ?? DEFAULT_CAPACITY);
    this.#signaling = new SignalingClient({
      serverUrl: options.invite.serverUrl,
      id: this.peerId,
      token: this.#token,
      room: options.invite.room,
      admission,
      socketFactory: options.ports.socketFactory,
      timers: options.ports.timers,
    });
    this.#relay = new SealedRelay(this.#signaling, this.peerId, newId(random));
    this.#ice = new IceConfig(
      options.ports.fetchJson,
      () => iceServersUrl(this.invite.serverUrl),
      options.ports.timers,
      () => peerAuthorization(this.peerId, this.#token),
    );
    this.#mesh = new Mesh<S>({
      peerId: this.peerId,
      roster: this.#roster,
      relay: this.#relay,
      ice: this.#ice,
      local: this.#local,
      createPeer: options.ports.createPeer,
      timers: options.ports.timers,
      autoFallback: () => this.#autoFallback,
      reconnectLimitMs: () =>
        this.#reconnectLimitMs ?? this.#ice.reconnectLimitMs ?? DEFAULT_RECONNECT_LIMIT_MS,
      name: () => this.#name,
      phase: () => this.#state.phase,
    });
    this.#mesh.on('change', () => this.emit('change'));
    this.#mesh.on('message', (from, message) => this.emit('message', from, message));
    this.#mesh.on('participant-joined', (...args) => this.emit('participant-joined', ...args));
    this.#mesh.on('participant-left', (...args) => this.emit('participant-left', ...args));
    this.#mesh.on('offered', () => {
      if (this.#state.phase === 'waiting') this.#dispatch({ type: 'offer-received' });
    });
    this.#mesh.on('links', (state, lastEnded) => this.#onLinks(state, lastEnded));
    this.#mesh.on('link', (id, state) => this.emit('link', id, state));
    this.#mesh.on('unreachable', (error) => this.#fail(error));
    this.#mesh.on('alone', () => this.#dispatch({ type: 'alone' }));
    this.#signaling.on('message', (message) => this.#relay.enqueue(() => this.#onServerMessage(message)));
    this.#signaling.on('roster', (members) => this.#relay.enqueue(() => this.#onRoster(members)));
    this.#signaling.on('drop', () => {
      this.#signalingDownAt ??= this.#ports.timers.now();
      this.emit('change');
    });
    this.#signaling.on('reopen', () => {
      this.#signalingDownAt = undefined;
      this.#onSignalingBack();
    });
    this.#signaling.on('fatal', (error) => this.#onSignalingGone(error));
  }

  get state(): CallState {
    return this.#state;
  }

  get snapshot(): CallSnapshot<S> {
    const participants = this.#mesh.participants();
    const link = this.#firstLink(participants);
    return {
      state: this.#state,
      localStream: this.#local.stream,
      remoteStream: link?.remoteStream,
      muted: this.#local.muted,
      cameraOff: this.#local.cameraOff,
      remoteAudio: link?.remote.audio ?? true,
      remoteVideo: link?.remote.video ?? true,
      quality: link?.quality,
      decision: link?.decision,
      remoteDecision: link?.remote.decision,
      autoFallback: this.#autoFallback,
      signalingOpen: this.#signaling.isOpen,
      // The call as a whole: nothing arrives from anyone we are connected to (one frozen person in a group
      // is their own tile's trouble).
      unstable: this.#mesh.allUnstable(),
      now: this.#ports.timers.now(),
      sharing: this.#local.share?.title,
      remoteSharing: link?.remote.sharing,
      participants,
      name: this.#name,
      position: this.#roster.position(this.peerId),
      othersInRoom: this.#roster.others().length,
      stillConnecting:
        this.#stillConnecting && this.#state.phase === 'connecting'
          ? this.#roster.others().length
          : undefined,
    };
  }

  /** The raw stats of the link the single-peer fields show, for diagnostics; undefined without media. */
  connectionStats(): Promise<StatsInput> | undefined {
    return this.#firstLink(this.#mesh.participants())?.getStats();
  }

  /** The single-peer fields show the first participant who is connected (else the first at all). */
  #firstLink(participants: readonly Participant<S>[]): PeerLink<S> | undefined {
    const first = participants.find((p) => isLinkLive({ phase: p.phase })) ?? participants[0];
    return first === undefined ? undefined : this.#mesh.get(first.id);
  }

  /** Starts camera, key and socket together; ends in `waiting` (host), `ready` (guest) or `failed`. */
  async start(): Promise<void> {
    if (this.#state.phase !== 'idle') return;
    this.#dispatch({ type: 'prepare' });
    const media = this.#ports.getUserMedia().then(
      (stream) => {
        if (this.#released) for (const track of stream.getTracks()) track.stop();
        else this.#local.stream = stream;
      },
      (error: unknown) => {
        throw mediaError(error);
      },
    );
    const key = deriveKey(this.invite.secret, this.invite.room).then(
      (k) => this.#relay.setKey(k),
      () => {
        throw new CallError('link-invalid', 'the secret does not make a key');
      },
    );
    const results = await Promise.allSettled([media, key, this.#signaling.connect()]);
    if (this.#released) return;
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) {
      this.#fail(
        failure.reason instanceof CallError
          ? failure.reason
          : new CallError('connection-failed', String(failure.reason)),
      );
      return;
    }
    await this.#loadIceServers();
    if (this.#released) return;
    // A guest prepares its side of every pair while the user looks at the preview (Mesh.prepare).
    if (this.role === 'guest') this.#mesh.prepare();
    this.#dispatch({ type: 'prepared', role: this.role });
    if (this.role === 'host') this.#mesh.enter();
  }

  /**
   * Guest: in the call — the pairs negotiated on the preview get their addresses, and everyone in the room
   * hears that we joined; the others offer to us where the glare rule says they do. Resolves once what
   * the click sends (hellos, candidates) is on the socket, or could not be sent.
   */
  join(): Promise<void> {
    if (this.role !== 'guest' || this.#state.phase !== 'ready') return Promise.resolve();
    this.#dispatch({ type: 'join' });
    this.#armConnectTimeout();
    if (this.#roster.others().length === 0) {
      this.#fail(new CallError('room-empty'));
      return Promise.resolve();
    }
    this.#mesh.enter();
    return this.#relay.drained();
  }

  /** Our display name (bounded); told to everyone connected now and to whoever connects later. */
  setName(name: string): void {
    this.#name = boundName(name);
    for (const link of this.#mesh.all()) link.tellName();
    this.emit('change');
  }

  setMuted(muted: boolean): void {
    this.#local.setMuted(muted);
    for (const link of this.#mesh.all()) link.tellMedia();
    this.emit('change');
  }

  setCameraOff(off: boolean): void {
    this.#local.setCameraOff(off);
    for (const link of this.#mesh.all()) link.tellMedia();
    this.emit('change');
  }

  /** Sends no video until `releaseOverride()`, whatever the connection. */
  forceAudioOnly(): void {
    for (const link of this.#mesh.all()) link.forceAudioOnly();
  }

  /** "Try video anyway": video for a while even on a poor connection. */
  tryVideo(): void {
    for (const link of this.#mesh.all()) link.tryVideo();
  }

  /** Ends `forceAudioOnly` or `tryVideo`; the policy decides again. */
  releaseOverride(): void {
    for (const link of this.#mesh.all()) link.releaseOverride();
  }

  setAutoFallback(enabled: boolean): void {
    this.#autoFallback = enabled;
    for (const link of this.#mesh.all()) link.setAutoFallback(enabled);
    this.emit('change');
  }

  /**
   * Sends a tab instead of the camera (and `audio` instead of the microphone) on every link's senders: no
   * renegotiation. Only while connected; while audio-only the tab waits and comes back with video.
   */
  startSharing(source: ShareSource): boolean {
    const links = this.#mesh.all();
    if (this.#released || this.#state.phase !== 'connected' || !links.some((l) => l.hasMedia)) return false;
    this.#local.share = source;
    for (const link of links) {
      link.swapSenders();
      link.tellShare();
    }
    this.emit('change');
    return true;
  }

  /** Back to the camera and microphone. The caller stops the tab's tracks. */
  stopSharing(): void {
    if (!this.#local.share) return;
    this.#local.share = undefined;
    for (const link of this.#mesh.all()) {
      link.swapSenders();
      link.tellShare();
    }
    this.emit('change');
  }

  /**
   * "Try again" after "Connection lost": restarts ICE again, with a fresh limit. Our signaling messages say
   * so until the call is back or gives up again, and take the other side out of "Connection lost" too (only
   * a user's retry does: two sides reviving each other automatically would never give up).
   */
  retry(): void {
    if (this.#state.phase !== 'lost') return;
    for (const link of this.#mesh.all()) link.retry();
  }

  /** The browser says the network is back (or changed): reconnect signaling now rather than later. */
  networkChanged(): void {
    this.#signaling.networkChanged();
  }

  /** Leaves the call: "bye" over each data channel and a LEAVE through the server; the others go on. */
  hangUp(): void {
    if (isFinal(this.#state)) return this.#release();
    // Only a peer that has heard from us is told: a guest who never joined has sent nobody anything.
    this.#mesh.hangUp(this.#state.phase === 'connecting' || isLive(this.#state));
    this.#dispatch({ type: 'hangup' });
  }

  /** Everyone we have a link with, and whether it is connected (chat and files address each). */
  participants(): { id: string; name: string | undefined; position: number; connected: boolean }[] {
    return this.#mesh.shown().map((l) => ({
      id: l.remoteId,
      name: l.remote.name,
      position: this.#roster.position(l.remoteId),
      connected: l.state.phase === 'connected',
    }));
  }

  /** Sends over one participant's data channel; false when that link is not connected. */
  sendTo(id: string, message: PeerMessage): boolean {
    const link = this.#mesh.get(id);
    if (!link || link.state.phase !== 'connected') return false;
    link.send(message);
    return true;
  }

  /** One participant's file channel (files/), if their link has one. */
  fileChannel(id: string): FileChannelLike | undefined {
    return this.#mesh.get(id)?.fileChannel;
  }

  /** A current link changed phase: the call's phase follows (the last one ending ends or fails the call). */
  #onLinks(state: LinkState, lastEnded: boolean): void {
    if (!lastEnded) return this.#syncPhase();
    if (state.phase !== 'closed') return;
    if (state.reason === 'remote-hangup') this.#dispatch({ type: 'remote-hangup' });
    else if (state.reason === 'peer-left') this.#dispatch({ type: 'peer-gone' });
  }

  /**
   * The call's phase from its links: connected while anyone is; reconnecting while nobody is and someone
   * is being reconnected; lost once every link has given up. (With one link it follows that link.)
   */
  #syncPhase(): void {
    const states = this.#mesh.all().map((l) => l.state);
    if (states.some((s) => s.phase === 'connected')) return this.#dispatch({ type: 'peer-connected' });
    const reconnecting = states.filter((s) => s.phase === 'reconnecting');
    if (reconnecting.length > 0) {
      const at = Math.min(...reconnecting.map((s) => (s.phase === 'reconnecting' ? s.since : Infinity)));
      if (this.#state.phase === 'lost') return this.#dispatch({ type: 'retry', at });
      return this.#dispatch({ type: 'interrupted', at });
    }
    if (states.some((s) => s.phase === 'lost')) this.#dispatch({ type: 'give-up' });
  }

  #dispatch(event: CallEvent): void {
    const next = nextState(this.#state, event);
    if (next === this.#state) return;
    this.#state = next;
    if (isFinal(next)) this.#release();
    this.emit('change');
  }

  #fail(error: CallError): void {
    this.#dispatch({ type: 'fail', error });
  }

  #onRoster(members: readonly string[]): void {
    if (this.#released) return;
    this.#roster.reset(members);
    this.emit('change');
  }

  async #onServerMessage(message: Extract<ServerMessage, { src: string }>): Promise<void> {
    if (this.#released || message.src === this.peerId) return;
    const src = message.src;
    if (message.type === 'ROOM-JOIN') {
      this.#roster.add(src);
      this.#mesh.joined(src);
      this.emit('change');
      return;
    }
    if (message.type === 'EXPIRE') return this.#mesh.expired(src);
    if (message.type === 'LEAVE') {
      const reason = await this.#relay.leaveReason(message.payload, src);
      if (reason === undefined || this.#released) return;
      if (reason === 'busy' || reason === 'unauthorized') {
        if (!isLive(this.#state)) this.#fail(new CallError(reason));
        return;
      }
      return this.#mesh.left(src, reason);
    }
    // An offer (or hello) we cannot open gets no answer at all: answering would spend our own rate budget.
    const body = await this.#relay.open(message.payload, src);
    if (!body || this.#released) return;
    this.#mesh.signals(src, body);
  }

  /** Signaling is back after a drop: every link sends what waited and restarts ICE at once if it needs to. */
  #onSignalingBack(): void {
    this.emit('change');
    this.#mesh.signalingBack();
  }

  /** The server refused us on a reconnect: a call that still needs it fails; a live one goes on without. */
  #onSignalingGone(error: CallError): void {
    if (!isLive(this.#state)) this.#fail(error);
    else this.emit('change');
  }

  /**
   * Gets STUN/TURN servers once registered. A waiting host refreshes them halfway through their lifetime
   * so that a late guest still gets valid credentials.
   */
  async #loadIceServers(): Promise<void> {
    const ttlMs = await this.#ice.load();
    if (this.role === 'host' && ttlMs > 0) {
      this.#timers.after(ttlMs / 2, () => {
        if (this.#state.phase === 'waiting') void this.#loadIceServers();
      });
    }
  }

  /**
   * A call that has not connected within the limit fails rather than hanging in "Connecting…" — in a 1:1
   * call. In a room whose signaling is open, the pairs are still being tried by their watch (rebuilt,
   * retried): on a starved machine nobody may answer the last joiner for 10 s and more (bench:mesh, 6 people),
   * and failing the whole call then threw away pairs about to connect. There the status says it is still
   * trying, and the call fails only once signaling itself has been unreachable for the limit.
   */
  #armConnectTimeout(ms = this.#connectTimeoutMs): void {
    this.#timers.after(ms, () => {
      if (this.#state.phase !== 'connecting') return;
      if (this.#roster.others().length < 2)
        return this.#fail(new CallError('connection-failed', 'timed out'));
      const downAt = this.#signalingDownAt;
      if (downAt !== undefined) {
        const downMs = this.#ports.timers.now() - downAt;
        if (downMs >= this.#connectTimeoutMs)
          return this.#fail(new CallError('server-unreachable', 'signaling down while connecting'));
        return this.#armConnectTimeout(this.#connectTimeoutMs - downMs);
      }
      if (!this.#stillConnecting) {
        this.#stillConnecting = true;
        this.emit('change');
      }
      this.#armConnectTimeout();
    });
  }

  /** Releases camera, peer links, socket and timers; safe to call more than once. */
  #release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#timers.clear();
    this.#mesh.close();
    this.#local.stop();
    // A sealed LEAVE may still be on its way (sealing is asynchronous): the socket goes once it is out.
    if (this.#relay.leaving) void this.#relay.settled().then(() => this.#signaling.close());
    else this.#signaling.close();
  }
}
