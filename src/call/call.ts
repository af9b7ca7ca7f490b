import {
  initialState,
  isFinal,
  nextState,
  statusText,
  type CallEvent,
  type CallState,
  type Role,
} from './call-machine.js';
import { Emitter } from './emitter.js';
import { CallError, mediaError } from './errors.js';
import { cryptoRandomBytes, newId, type RandomBytes } from './ids.js';
import { iceServersUrl, type Invite } from './link.js';
import type {
  FetchJson,
  MediaStreamLike,
  PeerFactory,
  PeerLike,
  SocketFactory,
  TimerHandle,
  Timers,
} from './ports.js';
import {
  leavePayload,
  leaveReasonOf,
  parseIceServers,
  parsePeerMessage,
  relayTypeFor,
  type IceServer,
  type PeerMessage,
  type RemoteQuality,
  type ServerMessage,
  type SignalData,
} from './protocol.js';
import { sendingFor } from './quality/actuation.js';
import { QualityMonitor } from './quality/monitor.js';
import type { QualityDecision } from './quality/policy.js';
import { summarize, type QualitySummary } from './quality/summary.js';
import { deriveKey, seal, SealError, unseal } from './seal.js';
import { SignalingClient } from './signaling.js';

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
}

/** Gives the data channel a moment to carry "bye" before the peer connection closes. */
const BYE_FLUSH_MS = 60;

/**
 * One call, host or guest, from camera start to hang-up. The host registers the room id as its PeerJS id
 * and waits; the guest registers a random id, makes its offer before "Join call" (camera, socket and ICE
 * gathering all done early), and sends it on join. Every signaling payload is sealed with the invite's
 * secret.
 */
export class Call<S extends MediaStreamLike> extends Emitter<{ change: [] }> {
  readonly role: Role;
  readonly invite: Invite;
  readonly peerId: string;
  readonly #token: string;
  readonly #ports: CallPorts<S>;
  readonly #signaling: SignalingClient;
  readonly #connectTimeoutMs: number;
  #state: CallState = initialState;
  #local: S | undefined;
  #remote: S | undefined;
  #muted = false;
  #cameraOff = false;
  #remoteAudio = true;
  #remoteVideo = true;
  #key: CryptoKey | undefined;
  #iceServers: readonly IceServer[] = [];
  #peer: PeerLike<S> | undefined;
  #remoteId: string | undefined;
  #held: SignalData[] | undefined;
  #outgoing: SignalData[] = [];
  #chain: Promise<void> = Promise.resolve();
  #timers = new Set<TimerHandle>();
  #released = false;
  #autoFallback: boolean;
  #monitor: QualityMonitor | undefined;
  #quality: QualitySummary | undefined;
  #decision: QualityDecision | undefined;
  #remoteDecision: RemoteQuality | undefined;
  /** Whether the video sender carries the camera (false while audio-only). */
  #sendingVideo = true;
  /** Sender changes run one after another, in decision order. */
  #actuation: Promise<void> = Promise.resolve();

  constructor(options: CallOptions<S>) {
    super();
    this.role = options.role;
    this.invite = options.invite;
    this.#ports = options.ports;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 20_000;
    this.#autoFallback = options.autoFallback ?? true;
    const random = options.ports.random ?? cryptoRandomBytes;
    this.peerId = this.role === 'host' ? options.invite.room : newId(random);
    this.#remoteId = this.role === 'guest' ? options.invite.room : undefined;
    this.#token = newId(random);
    this.#signaling = new SignalingClient({
      serverUrl: options.invite.serverUrl,
      id: this.peerId,
      token: this.#token,
      room: options.invite.room,
      socketFactory: options.ports.socketFactory,
      timers: options.ports.timers,
    });
    this.#signaling.on('message', (message) => this.#enqueue(() => this.#onServerMessage(message)));
  }

  get state(): CallState {
    return this.#state;
  }

  get snapshot(): CallSnapshot<S> {
    return {
      state: this.#state,
      localStream: this.#local,
      remoteStream: this.#remote,
      muted: this.#muted,
      cameraOff: this.#cameraOff,
      remoteAudio: this.#remoteAudio,
      remoteVideo: this.#remoteVideo,
      quality: this.#quality,
      decision: this.#decision,
      remoteDecision: this.#remoteDecision,
      autoFallback: this.#autoFallback,
    };
  }

  /** Starts camera, key and socket together; ends in `waiting` (host), `ready` (guest) or `failed`. */
  async start(): Promise<void> {
    if (this.#state.phase !== 'idle') return;
    this.#dispatch({ type: 'prepare' });
    const media = this.#ports.getUserMedia().then(
      (stream) => {
        if (this.#released) stopTracks(stream);
        else this.#local = stream;
      },
      (error: unknown) => {
        throw mediaError(error);
      },
    );
    const key = deriveKey(this.invite.secret, this.invite.room).then(
      (k) => void (this.#key = k),
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
    this.#signaling.on('close', () => this.#onSignalingLost());
    await this.#loadIceServers();
    if (this.#released) return;
    if (this.role === 'guest') {
      this.#held = [];
      this.#createPeer(true);
    }
    this.#dispatch({ type: 'prepared', role: this.role });
  }

  /** Guest: sends the offer prepared while the user looked at their preview. */
  join(): void {
    if (this.role !== 'guest' || this.#state.phase !== 'ready') return;
    this.#dispatch({ type: 'join' });
    const held = this.#held ?? [];
    this.#held = undefined;
    this.#outgoing.push(...held);
    this.#flush();
    this.#armConnectTimeout();
  }

  setMuted(muted: boolean): void {
    this.#muted = muted;
    for (const track of this.#local?.getAudioTracks() ?? []) track.enabled = !muted;
    this.#tellMedia();
    this.emit('change');
  }

  setCameraOff(off: boolean): void {
    this.#cameraOff = off;
    for (const track of this.#local?.getVideoTracks() ?? []) track.enabled = !off;
    this.#tellMedia();
    this.emit('change');
  }

  /** Sends no video until `releaseOverride()`, whatever the connection. */
  forceAudioOnly(): void {
    this.#monitor?.forceAudioOnly();
  }

  /** "Try video anyway": video for a while even on a poor connection. */
  tryVideo(): void {
    this.#monitor?.tryVideo();
  }

  /** Ends `forceAudioOnly` or `tryVideo`; the policy decides again. */
  releaseOverride(): void {
    this.#monitor?.releaseOverride();
  }

  setAutoFallback(enabled: boolean): void {
    this.#autoFallback = enabled;
    if (this.#monitor) this.#monitor.setAutoFallback(enabled);
    this.emit('change');
  }

  /** Ends the call for both sides: "bye" over the data channel and a LEAVE through the server. */
  hangUp(): void {
    if (isFinal(this.#state)) return this.#release();
    this.#sendPeer({ t: 'bye' });
    // Only a peer that has heard from us is told: a guest who never joined has sent the host nothing.
    const contacted = this.#state.phase === 'connecting' || this.#state.phase === 'connected';
    if (this.#remoteId !== undefined && contacted) {
      this.#signaling.send('LEAVE', this.#remoteId, leavePayload('hangup'));
    }
    this.#dispatch({ type: 'hangup' });
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

  /** Runs signaling work strictly in arrival order (unsealing is asynchronous). */
  #enqueue(task: () => Promise<void> | void): void {
    this.#chain = this.#chain.then(task).catch(() => undefined);
  }

  async #onServerMessage(message: Extract<ServerMessage, { src: string }>): Promise<void> {
    if (this.#released) return;
    if (message.type === 'EXPIRE') {
      if (this.role === 'guest' && message.src === this.#remoteId && this.#state.phase === 'connecting') {
        this.#fail(new CallError('room-empty'));
      }
      return;
    }
    if (message.type === 'LEAVE') {
      if (message.src !== this.#remoteId) return;
      const reason = leaveReasonOf(message.payload);
      if (reason === 'gone') this.#onPeerClosed();
      else if (this.role === 'guest' && reason !== 'hangup') this.#fail(new CallError(reason));
      else this.#dispatch({ type: 'remote-hangup' });
      return;
    }
    if (this.role === 'host' && this.#remoteId === undefined) {
      if (message.type !== 'OFFER' || this.#state.phase !== 'waiting') return;
      const body = await this.#open(message.payload, message.src);
      if (!body) {
        this.#signaling.send('LEAVE', message.src, leavePayload('unauthorized'));
        return;
      }
      if (this.#remoteId !== undefined || this.#state.phase !== 'waiting') return;
      this.#remoteId = message.src;
      this.#dispatch({ type: 'offer-received' });
      this.#armConnectTimeout();
      this.#createPeer(false);
      for (const signal of body.signals) this.#peer?.signal(signal);
      return;
    }
    if (message.src !== this.#remoteId) {
      if (this.role === 'host' && message.type === 'OFFER')
        this.#signaling.send('LEAVE', message.src, leavePayload('busy'));
      return;
    }
    const body = await this.#open(message.payload, message.src);
    if (!body || this.#released) return;
    for (const signal of body.signals) this.#peer?.signal(signal);
  }

  async #open(payload: unknown, sender: string) {
    try {
      return await unseal(this.#key!, payload, { me: this.peerId, sender });
    } catch (error) {
      if (error instanceof SealError || error instanceof SyntaxError) return undefined;
      throw error;
    }
  }

  #createPeer(initiator: boolean): void {
    const peer = this.#ports.createPeer({ initiator, stream: this.#local!, iceServers: this.#iceServers });
    this.#peer = peer;
    peer.on('signal', (signal) => {
      if (this.#held) this.#held.push(signal);
      else {
        this.#outgoing.push(signal);
        this.#flush();
      }
    });
    peer.on('stream', (stream) => {
      this.#remote = stream;
      this.emit('change');
    });
    peer.on('connect', () => {
      this.#dispatch({ type: 'peer-connected' });
      this.#tellMedia();
      this.#startMonitor();
    });
    peer.on('data', (data) => this.#onPeerMessage(parsePeerMessage(data)));
    peer.on('error', () => this.#onPeerClosed());
    peer.on('close', () => this.#onPeerClosed());
  }

  #onPeerMessage(message: PeerMessage | undefined): void {
    if (message?.t === 'bye') this.#dispatch({ type: 'remote-hangup' });
    else if (message?.t === 'media') {
      this.#remoteAudio = message.audio;
      this.#remoteVideo = message.video;
      this.emit('change');
    } else if (message?.t === 'quality') {
      const { level, settledLevel, probing, reason, figures } = message;
      this.#remoteDecision = { level, settledLevel, probing, reason, figures };
      this.emit('change');
    }
  }

  /** Watches the connection once a second and adapts what we send (see quality/policy.ts). */
  #startMonitor(): void {
    const media = this.#peer?.media;
    if (!media || this.#monitor || this.#state.phase !== 'connected') return;
    const monitor = new QualityMonitor({
      getStats: () => media.getStats(),
      timers: this.#ports.timers,
      autoFallback: this.#autoFallback,
    });
    this.#monitor = monitor;
    monitor.on('sample', (reading) => {
      this.#quality = summarize(reading);
      this.emit('change');
    });
    monitor.on('decision', (decision) => this.#applyDecision(decision));
    monitor.start();
    this.#applyDecision(monitor.decision);
  }

  #applyDecision(decision: QualityDecision): void {
    const media = this.#peer?.media;
    if (!media || this.#released) return;
    this.#decision = decision;
    const sending = sendingFor(decision.level);
    const camera = this.#local?.getVideoTracks()[0] ?? null;
    const video = !sending.replaceTrackWithNull;
    const replace = video !== this.#sendingVideo;
    this.#sendingVideo = video;
    this.#actuation = this.#actuation
      .then(async () => {
        if (this.#released) return;
        // The encoding goes first so that returning video starts at the level's rate, not the last one.
        if (video) await media.setVideoEncoding(sending.encoding, sending.degradationPreference);
        if (replace) await media.replaceVideoTrack(video ? camera : null);
      })
      .catch(() => undefined);
    const { level, settledLevel, probing, reason, figures } = decision;
    this.#sendPeer({ t: 'quality', level, settledLevel, probing, reason, figures });
    this.emit('change');
  }

  #onPeerClosed(): void {
    if (this.#released) return;
    if (this.#state.phase === 'connecting') this.#fail(new CallError('connection-failed', 'peer closed'));
    else this.#dispatch({ type: 'peer-gone' });
  }

  #onSignalingLost(): void {
    // Media is peer-to-peer and survives; only a call that still needs the server fails.
    if (
      this.#state.phase === 'waiting' ||
      this.#state.phase === 'ready' ||
      this.#state.phase === 'connecting'
    ) {
      this.#fail(new CallError('server-unreachable', 'signaling closed'));
    }
  }

  /**
   * Seals and sends, as one message, every signal gathered until the signaling chain gets to it
   * (sealing is asynchronous, so candidates trickling in meanwhile ride along).
   */
  #flush(): void {
    const remote = this.#remoteId;
    if (remote === undefined) return;
    this.#enqueue(async () => {
      if (this.#outgoing.length === 0) return;
      const signals = this.#outgoing;
      this.#outgoing = [];
      const box = await seal(this.#key!, { from: this.peerId, to: remote, signals });
      if (!this.#released) this.#signaling.send(relayTypeFor(signals), remote, box);
    });
  }

  #tellMedia(): void {
    this.#sendPeer({ t: 'media', audio: !this.#muted, video: !this.#cameraOff });
  }

  #sendPeer(message: PeerMessage): void {
    if (this.#state.phase !== 'connected') return;
    try {
      this.#peer?.send(JSON.stringify(message));
    } catch {
      // channel already closing: the peer's close event tells the other side instead
    }
  }

  /**
   * Gets STUN/TURN servers once registered (the server hands TURN credentials only to registered peers).
   * A failure leaves host candidates only, which still connect on one network. A waiting host refreshes
   * them halfway through their lifetime so that a late guest still gets valid credentials.
   */
  async #loadIceServers(): Promise<void> {
    const fetchJson = this.#ports.fetchJson;
    if (!fetchJson) return;
    let ttlSeconds = 0;
    try {
      const answer = parseIceServers(
        await fetchJson(iceServersUrl(this.invite.serverUrl, { id: this.peerId, token: this.#token })),
      );
      this.#iceServers = answer.iceServers;
      ttlSeconds = answer.ttlSeconds;
    } catch {
      this.#iceServers = [];
    }
    if (this.role === 'host' && ttlSeconds > 0) {
      this.#after((ttlSeconds * 1000) / 2, () => {
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

  /** Releases camera, peer connection, socket and timers; safe to call more than once. */
  #release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#monitor?.stop();
    for (const handle of this.#timers) this.#ports.timers.clearTimeout(handle);
    this.#timers.clear();
    if (this.#local) stopTracks(this.#local);
    this.#signaling.close();
    const peer = this.#peer;
    if (peer) this.#ports.timers.setTimeout(() => peer.destroy(), BYE_FLUSH_MS);
  }
}

function stopTracks(stream: MediaStreamLike): void {
  for (const track of stream.getTracks()) track.stop();
}

/**
 * Whether we send no video, by the policy or by choice. A trial of video from audio-only still counts until
 * it holds, since the policy may take it back (the other side is told the same: it shows `settledLevel`).
 */
export function sendingAudioOnly(snapshot: CallSnapshot<unknown>): boolean {
  const decision = snapshot.decision;
  return (
    decision !== undefined && (decision.level === 'audio-only' || decision.settledLevel === 'audio-only')
  );
}

/** What the receiver says while the other side sends no video, or undefined while it does. */
export function remotePausedText(snapshot: CallSnapshot<unknown>): string | undefined {
  const remote = snapshot.remoteDecision;
  if (remote?.settledLevel !== 'audio-only') return undefined;
  return remote.reason === 'user-audio-only'
    ? 'The other person switched to audio only'
    : "The other person's video is paused: poor connection";
}

/** The status line: the call's phase, plus "Audio only" while we send no video. */
export function callStatus(snapshot: CallSnapshot<unknown>): string {
  const text = statusText(snapshot.state);
  return snapshot.state.phase === 'connected' && sendingAudioOnly(snapshot) ? `${text} · Audio only` : text;
}
