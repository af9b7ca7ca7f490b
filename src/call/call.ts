import {
  initialState,
  isFinal,
  isLive,
  nextState,
  type CallEvent,
  type CallState,
  type Role,
} from './call-machine.js';
import type { PeerMessage, RemoteQuality } from './channel/messages.js';
import { Emitter } from './emitter.js';
import { admissionFor, peerAuthorization } from './admission.js';
import { CallError, mediaError } from './errors.js';
import type { FileChannelLike } from './files/channel.js';
import { IceConfig } from './ice-config.js';
import { cryptoRandomBytes, newId, type RandomBytes } from './ids.js';
import type { LinkState } from './link/link-machine.js';
import { PeerLink } from './link/peer-link.js';
import { iceServersUrl, type Invite } from './link.js';
import { LocalMedia, type ShareSource } from './media/local-media.js';
import type { FetchJson, MediaStreamLike, PeerFactory, SocketFactory, TimerHandle, Timers } from './ports.js';
import type { ServerMessage } from './protocol.js';
import type { QualityDecision } from './quality/policy.js';
import type { StatsInput } from './quality/stats.js';
import type { QualitySummary } from './quality/summary.js';
import { deriveKey } from './seal.js';
import { SealedRelay } from './sealed-relay.js';
import { SignalingClient } from './signaling.js';

export type { ShareSource } from './media/local-media.js';
export {
  callStatus,
  remoteLowered,
  remotePause,
  sendingAudioOnly,
  showsDecision,
  type StatusFacts,
  type RemotePause,
} from './status.js';

export interface CallPorts<S extends MediaStreamLike> {
  readonly socketFactory: SocketFactory;
  readonly createPeer: PeerFactory<S>;
  readonly getUserMedia: () => Promise<S>;
  readonly timers: Timers;
  readonly random?: RandomBytes;
  /** Fetches STUN/TURN servers from our server; without it, calls use host candidates only. */
  readonly fetchJson?: FetchJson;
}

export interface CallOptions<S extends MediaStreamLike> {
  readonly role: Role;
  readonly invite: Invite;
  readonly ports: CallPorts<S>;
  /** How long either side waits in "Connecting…" (from the guest's join, or the host's first offer). */
  readonly connectTimeoutMs?: number;
  /** Whether the call may switch to audio only by itself when the connection is poor (default true). */
  readonly autoFallback?: boolean;
  /**
   * How long a broken connection is restarted before the call says "Connection lost" (default: what the
   * server hands out with its ICE servers, else 60 s).
   */
  readonly reconnectLimitMs?: number;
  /** Our display name, told to the others over the data channel (undefined: none). */
  readonly name?: string;
}

export interface CallSnapshot<S> {
  readonly state: CallState;
  readonly localStream: S | undefined;
  readonly remoteStream: S | undefined;
  readonly muted: boolean;
  readonly cameraOff: boolean;
  /** What the other side says it is sending (told over the data channel). */
  readonly remoteAudio: boolean;
  readonly remoteVideo: boolean;
  /** The latest once-a-second reading of the connection (undefined before the first). */
  readonly quality: QualitySummary | undefined;
  /** What we send, as the quality policy decided (undefined until connected). */
  readonly decision: QualityDecision | undefined;
  /** What the other side says it sends. */
  readonly remoteDecision: RemoteQuality | undefined;
  readonly autoFallback: boolean;
  /** Whether our signaling socket is registered (it reconnects by itself when it drops). */
  readonly signalingOpen: boolean;
  /** Connected, but nothing has arrived from the other side for a second or more ("Connection unstable…"). */
  readonly unstable: boolean;
  /** The Timers clock when the snapshot was taken, for "Reconnecting… (12 s)". */
  readonly now: number;
  /** The title of the tab we send instead of the camera (undefined: not sharing). */
  readonly sharing: string | undefined;
  /** The title of the tab the other side says it shares (undefined: it is not sharing). */
  readonly remoteSharing: string | undefined;
}

export type CallEvents = {
  change: [];
  /** A data-channel message from a participant, after the link handled it. */
  message: [from: string, message: PeerMessage];
  /** A participant's link changed phase (features such as chat resend what it missed). */
  link: [id: string, state: LinkState];
};

const DEFAULT_RECONNECT_LIMIT_MS = 60_000;

/**
 * One call, host or guest, from camera start to hang-up: the session (its phase, local media, the sealed
 * signaling relay) and its peer links, one per remote participant. The host registers the room id as its
 * PeerJS id and waits; the guest registers a random id, makes its offer before "Join call" (camera, socket
 * and ICE gathering all done early), and sends it on join. Every signaling payload is sealed with the
 * invite's secret.
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
  readonly #local = new LocalMedia<S>();
  readonly #links = new Map<string, PeerLink<S>>();
  readonly #connectTimeoutMs: number;
  readonly #reconnectLimitMs: number | undefined;
  readonly #name: string | undefined;
  /** The guest calls the room's id; the host learns its guest from the first offer. */
  #remoteId: string | undefined;
  #state: CallState = initialState;
  #timers = new Set<TimerHandle>();
  #released = false;
  #autoFallback: boolean;

  constructor(options: CallOptions<S>) {
    super();
    this.role = options.role;
    this.invite = options.invite;
    this.#ports = options.ports;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 20_000;
    this.#reconnectLimitMs = options.reconnectLimitMs;
    this.#autoFallback = options.autoFallback ?? true;
    this.#name = options.name;
    const random = options.ports.random ?? cryptoRandomBytes;
    this.peerId = this.role === 'host' ? options.invite.room : newId(random);
    this.#remoteId = this.role === 'guest' ? options.invite.room : undefined;
    this.#token = newId(random);
    const admission = admissionFor(options.invite.secret);
    admission.catch(() => undefined); // a bad secret fails start() through connect()
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
    this.#signaling.on('message', (message) => this.#relay.enqueue(() => this.#onServerMessage(message)));
    this.#signaling.on('drop', () => this.emit('change'));
    this.#signaling.on('reopen', () => this.#onSignalingBack());
    this.#signaling.on('fatal', (error) => this.#onSignalingGone(error));
  }

  get state(): CallState {
    return this.#state;
  }

  get snapshot(): CallSnapshot<S> {
    const link = this.#link();
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
      unstable: link?.unstable ?? false,
      now: this.#ports.timers.now(),
      sharing: this.#local.share?.title,
      remoteSharing: link?.remote.sharing,
    };
  }

  /** The current link's raw stats, for diagnostics; undefined when no connection has media. */
  connectionStats(): Promise<StatsInput> | undefined {
    return this.#link()?.getStats();
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
    if (this.role === 'guest') this.#addLink(this.#remoteId!, true).hold();
    this.#dispatch({ type: 'prepared', role: this.role });
  }

  /** Guest: sends the offer prepared while the user looked at their preview. */
  join(): void {
    if (this.role !== 'guest' || this.#state.phase !== 'ready') return;
    this.#dispatch({ type: 'join' });
    this.#link()?.join();
    this.#armConnectTimeout();
  }

  setMuted(muted: boolean): void {
    this.#local.setMuted(muted);
    for (const link of this.#links.values()) link.tellMedia();
    this.emit('change');
  }

  setCameraOff(off: boolean): void {
    this.#local.setCameraOff(off);
    for (const link of this.#links.values()) link.tellMedia();
    this.emit('change');
  }

  /** Sends no video until `releaseOverride()`, whatever the connection. */
  forceAudioOnly(): void {
    for (const link of this.#links.values()) link.forceAudioOnly();
  }

  /** "Try video anyway": video for a while even on a poor connection. */
  tryVideo(): void {
    for (const link of this.#links.values()) link.tryVideo();
  }

  /** Ends `forceAudioOnly` or `tryVideo`; the policy decides again. */
  releaseOverride(): void {
    for (const link of this.#links.values()) link.releaseOverride();
  }

  setAutoFallback(enabled: boolean): void {
    this.#autoFallback = enabled;
    for (const link of this.#links.values()) link.setAutoFallback(enabled);
    this.emit('change');
  }

  /**
   * Sends a tab instead of the camera (and `audio` instead of the microphone) on the same senders: no
   * renegotiation. Only while connected; while audio-only the tab waits and comes back with video.
   */
  startSharing(source: ShareSource): boolean {
    const links = [...this.#links.values()];
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
    for (const link of this.#links.values()) {
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
    for (const link of this.#links.values()) link.retry();
  }

  /** The browser says the network is back (or changed): reconnect signaling now rather than later. */
  networkChanged(): void {
    this.#signaling.networkChanged();
  }

  /** Ends the call for everyone in it: "bye" over each data channel and a LEAVE through the server. */
  hangUp(): void {
    if (isFinal(this.#state)) return this.#release();
    // Only a peer that has heard from us is told: a guest who never joined has sent the host nothing.
    const contacted = this.#state.phase === 'connecting' || isLive(this.#state);
    for (const link of this.#links.values()) link.hangUp(contacted);
    this.#dispatch({ type: 'hangup' });
  }

  /** Everyone we have a link with, and whether it is connected (chat and files address each). */
  participants(): { id: string; name: string | undefined; connected: boolean }[] {
    return [...this.#links.values()].map((l) => ({
      id: l.remoteId,
      name: l.remote.name,
      connected: l.state.phase === 'connected',
    }));
  }

  /** Sends over one participant's data channel; false when that link is not connected. */
  sendTo(id: string, message: PeerMessage): boolean {
    const link = this.#links.get(id);
    if (!link || link.state.phase !== 'connected') return false;
    link.send(message);
    return true;
  }

  /** One participant's file channel (files/), if their link has one. */
  fileChannel(id: string): FileChannelLike | undefined {
    return this.#links.get(id)?.fileChannel;
  }

  /** The single link of a 1:1 call (the first one). */
  #link(): PeerLink<S> | undefined {
    return this.#links.values().next().value;
  }

  #addLink(remoteId: string, initiator: boolean): PeerLink<S> {
    const link = new PeerLink<S>({
      remoteId,
      initiator,
      createPeer: this.#ports.createPeer,
      timers: this.#ports.timers,
      local: this.#local,
      relay: this.#relay,
      ice: this.#ice,
      autoFallback: this.#autoFallback,
      reconnectLimitMs: () =>
        this.#reconnectLimitMs ?? this.#ice.reconnectLimitMs ?? DEFAULT_RECONNECT_LIMIT_MS,
      name: () => this.#name,
    });
    this.#links.set(remoteId, link);
    link.on('change', () => this.emit('change'));
    link.on('message', (message) => this.emit('message', remoteId, message));
    link.on('state', (state) => {
      this.#onLinkState(state);
      this.emit('link', remoteId, state);
    });
    return link;
  }

  /** A 1:1 call follows its link: connected, reconnecting, lost, ended. */
  #onLinkState(state: LinkState): void {
    switch (state.phase) {
      case 'connected':
        return this.#dispatch({ type: 'peer-connected' });
      case 'reconnecting':
        if (this.#state.phase === 'lost') return this.#dispatch({ type: 'retry', at: state.since });
        return this.#dispatch({ type: 'interrupted', at: state.since });
      case 'lost':
        return this.#dispatch({ type: 'give-up' });
      case 'closed':
        if (state.reason === 'remote-hangup') return this.#dispatch({ type: 'remote-hangup' });
        if (state.reason === 'peer-left') return this.#dispatch({ type: 'peer-gone' });
        return;
      case 'failed':
        return this.#fail(state.error);
      case 'connecting':
        return;
    }
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

  async #onServerMessage(message: Extract<ServerMessage, { src: string }>): Promise<void> {
    if (this.#released) return;
    if (message.type === 'EXPIRE') {
      if (this.role === 'guest' && message.src === this.#remoteId && this.#state.phase === 'connecting') {
        this.#fail(new CallError('room-empty'));
      }
      this.#links.get(message.src)?.undelivered();
      return;
    }
    if (message.type === 'LEAVE') {
      const link = this.#links.get(message.src);
      if (!link) return;
      const reason = await this.#relay.leaveReason(message.payload, message.src);
      if (reason === undefined || this.#released) return;
      if (reason === 'gone') link.socketClosed();
      else if (this.role === 'guest' && reason !== 'hangup') this.#fail(new CallError(reason));
      else link.remoteHungUp();
      return;
    }
    if (this.role === 'host' && this.#remoteId === undefined) {
      if (message.type !== 'OFFER' || this.#state.phase !== 'waiting') return;
      // An offer we cannot open gets no answer at all: answering would spend our own rate budget.
      const body = await this.#relay.open(message.payload, message.src);
      if (!body) return;
      if (this.#remoteId !== undefined || this.#state.phase !== 'waiting') return;
      this.#remoteId = message.src;
      this.#dispatch({ type: 'offer-received' });
      this.#armConnectTimeout();
      this.#addLink(message.src, false).receive(body);
      return;
    }
    if (message.src !== this.#remoteId) {
      if (
        this.role === 'host' &&
        message.type === 'OFFER' &&
        (await this.#relay.open(message.payload, message.src))
      )
        this.#relay.leave(message.src, 'busy');
      return;
    }
    const body = await this.#relay.open(message.payload, message.src);
    if (!body || this.#released) return;
    this.#links.get(message.src)?.receive(body);
  }

  /** Signaling is back after a drop: every link sends what waited and restarts ICE at once if it needs to. */
  #onSignalingBack(): void {
    this.emit('change');
    if (this.#links.size === 0) this.#relay.setUrgent(this.peerId, false);
    for (const link of this.#links.values()) link.signalingBack();
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
      this.#after(ttlMs / 2, () => {
        if (this.#state.phase === 'waiting') void this.#loadIceServers();
      });
    }
  }

  /** A call that has not connected within the limit fails rather than hanging in "Connecting…". */
  #armConnectTimeout(): void {
    this.#after(this.#connectTimeoutMs, () => {
      if (this.#state.phase === 'connecting') this.#fail(new CallError('connection-failed', 'timed out'));
    });
  }

  #after(ms: number, fn: () => void): void {
    const handle = this.#ports.timers.setTimeout(() => {
      this.#timers.delete(handle);
      fn();
    }, ms);
    this.#timers.add(handle);
  }

  /** Releases camera, peer links, socket and timers; safe to call more than once. */
  #release(): void {
    if (this.#released) return;
    this.#released = true;
    for (const handle of this.#timers) this.#ports.timers.clearTimeout(handle);
    this.#timers.clear();
    for (const link of this.#links.values()) link.close();
    this.#local.stop();
    // A sealed LEAVE may still be on its way (sealing is asynchronous): the socket goes once it is out.
    if (this.#relay.leaving) void this.#relay.settled().then(() => this.#signaling.close());
    else this.#signaling.close();
  }
}
