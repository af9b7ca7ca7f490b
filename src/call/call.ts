import { Backoff } from './backoff.js';
import {
  initialState,
  isFinal,
  isLive,
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
  PeerConnectionState,
  PeerFactory,
  PeerLike,
  SocketFactory,
  TimerHandle,
  Timers,
  TrackLike,
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
import { sendingFor, type EncodingOptions } from './quality/actuation.js';
import { QualityMonitor } from './quality/monitor.js';
import type { QualityDecision } from './quality/policy.js';
import { summarize, type QualitySummary } from './quality/summary.js';
import { deriveKey, seal, SealError, unseal } from './seal.js';
import { SignalingClient } from './signaling.js';

interface Tagged {
  readonly signal: SignalData;
  readonly gen: number;
  /** Made while a user's "Try again" was under way (the other side resumes too: see retry()). */
  readonly retry: boolean;
}

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
  /** The Timers clock when the snapshot was taken, for "Reconnecting… (12 s)". */
  readonly now: number;
  /** The title of the tab we send instead of the camera (undefined: not sharing). */
  readonly sharing: string | undefined;
  /** The title of the tab the other side says it shares (undefined: it is not sharing). */
  readonly remoteSharing: string | undefined;
}

/** A shared tab as the call sends it: its video instead of the camera, `audio` instead of the microphone. */
export interface ShareSource {
  readonly video: TrackLike;
  /** The microphone mixed with the tab's sound; without it the microphone goes on alone. */
  readonly audio?: TrackLike;
  readonly title: string;
  /** The captured height in pixels, so that the encoding scales down to its target (default 1080). */
  readonly height?: number;
}

/** Gives the data channel a moment to carry "bye" before the peer connection closes. */
const BYE_FLUSH_MS = 60;
/** ICE `disconnected` this long (it often comes back by itself within a second or two) means reconnecting. */
const DISCONNECTED_GRACE_MS = 2000;
const DEFAULT_RECONNECT_LIMIT_MS = 60_000;
/**
 * ICE restarts while reconnecting: one at once, then after 1 s, 2 s, 4 s, 4 s… (with jitter). A restart
 * needs ~1.5 s after the network returns before its candidates exist (shared/FIELD-NOTES.md), so retrying
 * faster would only cancel restarts that were about to work.
 */
const RESTART_BACKOFF = { baseMs: 1000, capMs: 4000 };
/** After a restored connection, how long before the quality monitor judges it again. */
const MONITOR_SETTLE_MS = 5000;
/** After a restored connection, how long the other side has to answer a ping before another restart… */
const CONFIRM_MS = 1000;
/** …and how many such restarts at most. */
const CONFIRM_ATTEMPTS = 3;
/** A restart this recent is still under way: a request from the other side does not replace it. */
const FRESH_RESTART_MS = 1000;
/** Host: how long an offer may take to be answered before the next waiting one goes anyway. */
const ANSWER_TIMEOUT_MS = 5000;
/** After the server says the other side's socket closed, how long they have to answer a ping. */
const GONE_CHECK_MS = 3000;

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
  /** Signals waiting to be sealed and sent, each with the ICE generation it belongs to. */
  #outgoing: Tagged[] = [];
  /** Host: the generation of the offer the peer is answering; one offer at a time (see #fromGuest). */
  #answering: number | undefined;
  #answeredGen = 0;
  /** Host: the newest offer (with its candidates) waiting until the current one is answered. */
  #nextOffer: { gen: number; signals: SignalData[] } | undefined;
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
  /** The ICE generation both sides are on (see SealedSignals.gen); the guest starts each new one. */
  #gen = 0;
  #peerState: PeerConnectionState = 'new';
  #brokenSince: number | undefined;
  #lastRestartAt = -Infinity;
  #announceRetry = false;
  readonly #reconnectLimitMs: number | undefined;
  /** The limit the server hands out, used unless the options set one. */
  #serverReconnectLimitMs: number | undefined;
  readonly #restartBackoff = new Backoff(RESTART_BACKOFF);
  /** Named one-shot timers of the recovery (disconnect grace, next restart, give-up, gone check). */
  readonly #named = new Map<string, TimerHandle>();
  #tick: TimerHandle | undefined;
  #pings = 0;
  /** When our ICE servers were fetched and how long their TURN credentials last. */
  #iceFetchedAt = 0;
  #iceTtlMs = 0;
  #share: ShareSource | undefined;
  #remoteSharing: string | undefined;

  constructor(options: CallOptions<S>) {
    super();
    this.role = options.role;
    this.invite = options.invite;
    this.#ports = options.ports;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 20_000;
    this.#reconnectLimitMs = options.reconnectLimitMs;
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
    this.#signaling.on('drop', () => this.emit('change'));
    this.#signaling.on('reopen', () => this.#onSignalingBack());
    this.#signaling.on('fatal', (error) => this.#onSignalingGone(error));
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
      signalingOpen: this.#signaling.isOpen,
      now: this.#ports.timers.now(),
      sharing: this.#share?.title,
      remoteSharing: this.#remoteSharing,
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
    this.#outgoing.push(...held.map((signal) => ({ signal, gen: this.#gen, retry: false })));
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

  /**
   * Sends a tab instead of the camera (and `audio` instead of the microphone) on the same senders: no
   * renegotiation. Only while connected; while audio-only the tab waits and comes back with video.
   */
  startSharing(source: ShareSource): boolean {
    if (this.#released || this.#state.phase !== 'connected' || !this.#peer?.media) return false;
    this.#share = source;
    this.#swapSenders();
    this.#sendPeer({ t: 'share', title: source.title });
    this.emit('change');
    return true;
  }

  /** Back to the camera and microphone. The caller stops the tab's tracks. */
  stopSharing(): void {
    if (!this.#share) return;
    this.#share = undefined;
    this.#swapSenders();
    this.#sendPeer({ t: 'share', title: null });
    this.emit('change');
  }

  /**
   * "Try again" after "Connection lost": restarts ICE again, with a fresh limit. Our signaling messages say
   * so until the call is back or gives up again, and take the other side out of "Connection lost" too (only
   * a user's retry does: two sides reviving each other automatically would never give up).
   */
  retry(): void {
    if (this.#state.phase !== 'lost') return;
    this.#announceRetry = true;
    this.#resume();
  }

  #resume(): void {
    if (this.#state.phase !== 'lost') return;
    this.#dispatch({ type: 'retry', at: this.#ports.timers.now() });
    this.#beginRecovery();
  }

  /** The browser says the network is back (or changed): reconnect signaling now rather than later. */
  networkChanged(): void {
    this.#signaling.networkChanged();
  }

  /** Ends the call for both sides: "bye" over the data channel and a LEAVE through the server. */
  hangUp(): void {
    if (isFinal(this.#state)) return this.#release();
    this.#sendPeer({ t: 'bye' });
    // Only a peer that has heard from us is told: a guest who never joined has sent the host nothing.
    const contacted = this.#state.phase === 'connecting' || isLive(this.#state);
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
      if (reason === 'gone') this.#onPeerSocketClosed();
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
      this.#fromGuest(body.gen ?? 0, body.signals);
      return;
    }
    if (message.src !== this.#remoteId) {
      if (this.role === 'host' && message.type === 'OFFER')
        this.#signaling.send('LEAVE', message.src, leavePayload('busy'));
      return;
    }
    const body = await this.#open(message.payload, message.src);
    if (!body || this.#released) return;
    const gen = body.gen ?? 0;
    if (gen < this.#gen) return; // from an ICE generation since restarted: applying it would break this one
    if (body.retry) this.#resume();
    if (this.role === 'host') return this.#fromGuest(gen, body.signals);
    for (const signal of body.signals) {
      // The host asks for a restart this way; an ICE restart is what any renegotiation needs here.
      if (signal.type === 'renegotiate') this.#onRestartRequested();
      else this.#signalPeer(signal);
    }
  }

  /**
   * Host: hands the guest's signals to the peer one offer at a time. Offers can arrive in a burst — a
   * socket that died mid-outage delivers what it buffered once the network is back — and an offer applied
   * while the previous one is still being answered makes the answer fail, which destroys the peer. So the
   * newest offer waits (older waiting ones are dropped) until the answer is out.
   */
  #fromGuest(gen: number, signals: readonly SignalData[]): void {
    this.#gen = Math.max(this.#gen, gen);
    const offer = signals.some((s) => s.type === 'offer');
    if (offer && this.#answering !== undefined) {
      this.#nextOffer = { gen, signals: [...signals] };
      return;
    }
    if (!offer && this.#nextOffer?.gen === gen) {
      this.#nextOffer.signals.push(...signals);
      return;
    }
    if (offer) {
      this.#answering = gen;
      this.#schedule('answer', ANSWER_TIMEOUT_MS, () => this.#answered(gen));
    }
    for (const signal of signals) this.#signalPeer(signal);
  }

  /** Host: the answer to `gen` is out (or never came); the waiting offer goes next. */
  #answered(gen: number): void {
    this.#cancel('answer');
    this.#answering = undefined;
    this.#answeredGen = gen;
    const next = this.#nextOffer;
    this.#nextOffer = undefined;
    if (next) queueMicrotask(() => !this.#released && this.#fromGuest(next.gen, next.signals));
  }

  /** Hands a signal to the peer; one it cannot take (a description in the wrong state) is dropped. */
  #signalPeer(signal: SignalData): void {
    try {
      this.#peer?.signal(signal);
    } catch {
      // a destroyed peer: its close event ends the call
    }
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
      if (this.#held) return void this.#held.push(signal);
      // The guest's signals belong to its current generation; the host's to the offer it answers.
      const gen = this.role === 'guest' ? this.#gen : (this.#answering ?? this.#answeredGen);
      this.#outgoing.push({ signal, gen, retry: this.#announceRetry });
      if (signal.type === 'answer' && this.#answering !== undefined) this.#answered(this.#answering);
      this.#flush();
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
    peer.on('connectionState', (state) => this.#onConnectionState(state));
    peer.on('error', () => this.#onPeerClosed());
    peer.on('close', () => this.#onPeerClosed());
  }

  #onPeerMessage(message: PeerMessage | undefined): void {
    if (message?.t === 'bye') this.#dispatch({ type: 'remote-hangup' });
    else if (message?.t === 'ping') this.#sendPeer({ t: 'pong', n: message.n });
    else if (message?.t === 'pong') {
      this.#cancel('gone-check');
      if (this.#named.has('confirm')) {
        this.#cancel('confirm');
        this.#announceRetry = false;
      }
    } else if (message?.t === 'media') {
      this.#remoteAudio = message.audio;
      this.#remoteVideo = message.video;
      this.emit('change');
    } else if (message?.t === 'share') {
      this.#remoteSharing = message.title ?? undefined;
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
    const sending = sendingFor(decision.level, this.#encodingOptions());
    const camera = this.#share?.video ?? this.#local?.getVideoTracks()[0] ?? null;
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

  /** A shared tab keeps resolution over frame rate (legible text); the camera the other way round. */
  #encodingOptions(): EncodingOptions {
    const share = this.#share;
    if (!share) return {};
    return share.height === undefined ? { sharing: true } : { sharing: true, sourceHeight: share.height };
  }

  /** Puts the tab (or the camera and microphone again) on the senders, after any pending decision. */
  #swapSenders(): void {
    const media = this.#peer?.media;
    if (!media || this.#released) return;
    const video = this.#share?.video ?? this.#local?.getVideoTracks()[0] ?? null;
    const audio = this.#share?.audio ?? this.#local?.getAudioTracks()[0] ?? null;
    const sending = sendingFor(this.#decision?.level ?? 'high', this.#encodingOptions());
    // While audio-only the video sender stays empty; the next decision with video picks the tab.
    const sendVideo = this.#sendingVideo;
    this.#actuation = this.#actuation
      .then(async () => {
        if (this.#released) return;
        if (sendVideo) {
          await media.setVideoEncoding(sending.encoding, sending.degradationPreference);
          await media.replaceVideoTrack(video);
        }
        await media.replaceAudioTrack(audio);
      })
      .catch(() => undefined);
  }

  #onPeerClosed(): void {
    if (this.#released) return;
    if (this.#state.phase === 'connecting') this.#fail(new CallError('connection-failed', 'peer closed'));
    else this.#dispatch({ type: 'peer-gone' });
  }

  /**
   * The server says the other side's socket closed without a hang-up: a browser killed, or only their
   * signaling dropped (their media may be fine, and their socket comes back by itself). Before it connects
   * that means they left; after, they get a few seconds to answer a ping over the media path.
   */
  #onPeerSocketClosed(): void {
    if (!isLive(this.#state)) return this.#onPeerClosed();
    if (this.#named.has('gone-check')) return;
    this.#schedule('gone-check', GONE_CHECK_MS, () => this.#dispatch({ type: 'peer-gone' }));
    this.#sendPeer({ t: 'ping', n: ++this.#pings });
  }

  /** Signaling is back after a drop: send what waited, and restart ICE at once if the call needs it. */
  #onSignalingBack(): void {
    this.emit('change');
    this.#flush();
    if (this.#state.phase !== 'reconnecting') this.#signaling.setUrgent(false);
    if (this.#state.phase === 'reconnecting') {
      this.#cancel('restart');
      this.#restartBackoff.reset();
      this.#attemptRestart();
    }
  }

  /** The server refused us on a reconnect: a call that still needs it fails; a live one goes on without. */
  #onSignalingGone(error: CallError): void {
    if (!isLive(this.#state)) this.#fail(error);
    else this.emit('change');
  }

  // ---------------------------------------------------------------------------------------------------
  // Recovery: a live call whose connection breaks restarts ICE through signaling until it is back, or
  // says "Connection lost" at the limit.

  #onConnectionState(state: PeerConnectionState): void {
    if (this.#released) return;
    this.#peerState = state;
    if (state === 'connected') return this.#onRestored();
    if (this.#state.phase === 'connecting') {
      if (state === 'failed') this.#fail(new CallError('connection-failed', 'ICE failed'));
      return;
    }
    if (this.#state.phase !== 'connected') return;
    // The outage started at the first sign of it; "Reconnecting… (n s)" counts from there.
    const at = (this.#brokenSince ??= this.#ports.timers.now());
    if (state === 'failed') this.#interrupt(at);
    else if (state === 'disconnected' && !this.#named.has('disconnected')) {
      this.#schedule('disconnected', DISCONNECTED_GRACE_MS, () => {
        if (this.#peerState !== 'connected') this.#interrupt(at);
      });
    }
  }

  #interrupt(at: number): void {
    if (this.#state.phase !== 'connected') return;
    this.#dispatch({ type: 'interrupted', at });
    this.#beginRecovery();
  }

  #beginRecovery(): void {
    this.#cancel('disconnected');
    this.#cancel('confirm');
    this.#cancel('monitor');
    // A broken path says nothing about the connection's quality: the policy must not learn from it.
    this.#monitor?.stop();
    this.#signaling.setUrgent(true);
    this.#signaling.probe();
    this.#restartBackoff.reset();
    this.#attemptRestart();
    const limit = this.#reconnectLimitMs ?? this.#serverReconnectLimitMs ?? DEFAULT_RECONNECT_LIMIT_MS;
    this.#schedule('give-up', limit, () => {
      this.#endRecovery();
      this.#dispatch({ type: 'give-up' });
    });
    this.#tick ??= this.#ports.timers.setInterval(() => this.emit('change'), 1000);
  }

  /** One restart now (when signaling can carry it), and the next one scheduled in case it does not work. */
  #attemptRestart(): void {
    this.#cancel('restart');
    if (this.#state.phase !== 'reconnecting' || this.#released) return;
    if (this.#signaling.isOpen) void this.#restartIce();
    this.#schedule('restart', this.#restartBackoff.next(), () => this.#attemptRestart());
  }

  /**
   * The guest, asked by the host: the host alone saw the failure, or its signaling is back while ours
   * was not lost. A restart of ours younger than a second is left to finish (a new one would cancel it).
   */
  #onRestartRequested(): void {
    const sinceLast = this.#ports.timers.now() - this.#lastRestartAt;
    if (this.#state.phase === 'reconnecting' && sinceLast < FRESH_RESTART_MS) return;
    void this.#restartIce();
  }

  /** The guest restarts ICE (a new generation); the host asks the guest to, through its peer. */
  async #restartIce(): Promise<void> {
    const peer = this.#peer;
    if (!peer || this.#released) return;
    if (this.role === 'guest') this.#gen += 1;
    const gen = this.#gen;
    this.#lastRestartAt = this.#ports.timers.now();
    // TURN credentials may have expired in a long call; fresh ones first when past half their life.
    const stale = this.#iceTtlMs > 0 && this.#ports.timers.now() - this.#iceFetchedAt > this.#iceTtlMs / 2;
    if (stale) await this.#loadIceServers();
    if (this.#released || gen !== this.#gen) return;
    peer.restartIce(stale ? this.#iceServers : undefined);
  }

  #onRestored(): void {
    this.#cancel('disconnected');
    this.#brokenSince = undefined;
    if (this.#state.phase !== 'reconnecting' && this.#state.phase !== 'lost') return;
    const retried = this.#announceRetry;
    this.#endRecovery();
    this.#dispatch({ type: 'peer-connected' });
    this.#confirmRestored(retried, CONFIRM_ATTEMPTS);
    // The first seconds of a restored path show the outage's wake (a collapsed bandwidth estimate, a burst
    // of loss), not the path: judged on them, the policy would drop a recovered call to audio only.
    this.#schedule('monitor', MONITOR_SETTLE_MS, () => this.#monitor?.start());
    // What changed while the path was down is said again (the channel may have dropped it).
    this.#tellMedia();
    this.#sendPeer({ t: 'share', title: this.#share?.title ?? null });
  }

  /**
   * Our side of the path is back; is theirs? One side's ICE can recover by itself (it was only
   * `disconnected`) while the other's had `failed` and waits for a restart that was lost with the
   * signaling. A ping over the data channel tells: no pong within a second, restart once more (a user's
   * "Try again" still said, so that a side showing "Connection lost" comes back too).
   */
  #confirmRestored(retried: boolean, attempts: number): void {
    if (attempts <= 0) return;
    this.#schedule('confirm', CONFIRM_MS, () => {
      if (this.#state.phase !== 'connected') return;
      this.#announceRetry = retried;
      void this.#restartIce();
      this.#confirmRestored(retried, attempts - 1);
    });
    this.#sendPeer({ t: 'ping', n: ++this.#pings });
  }

  #endRecovery(): void {
    this.#announceRetry = false;
    this.#cancel('restart');
    this.#cancel('give-up');
    if (this.#tick !== undefined) this.#ports.timers.clearInterval(this.#tick);
    this.#tick = undefined;
    // Signals still waiting for the socket (a restart offer the other side needs) keep it urgent.
    if (this.#outgoing.length === 0 || this.#signaling.isOpen) this.#signaling.setUrgent(false);
    this.#restartBackoff.reset();
  }

  #schedule(name: string, ms: number, fn: () => void): void {
    this.#cancel(name);
    const handle = this.#ports.timers.setTimeout(() => {
      this.#named.delete(name);
      fn();
    }, ms);
    this.#named.set(name, handle);
  }

  #cancel(name: string): void {
    const handle = this.#named.get(name);
    if (handle === undefined) return;
    this.#ports.timers.clearTimeout(handle);
    this.#named.delete(name);
  }

  /**
   * Seals and sends, as one message, every signal gathered until the signaling chain gets to it
   * (sealing is asynchronous, so candidates trickling in meanwhile ride along).
   */
  #flush(): void {
    const remote = this.#remoteId;
    if (remote === undefined) return;
    this.#enqueue(async () => {
      // Signals wait while the socket is down, and go once it is back (#onSignalingBack).
      while (this.#outgoing.length > 0 && this.#signaling.isOpen && !this.#released) {
        // One message per generation: those of a generation since restarted are dropped on arrival.
        const gen = this.#outgoing[0]!.gen;
        const count = this.#outgoing.findIndex((t) => t.gen !== gen);
        const batch = this.#outgoing.splice(0, count === -1 ? this.#outgoing.length : count);
        const signals = batch.map((t) => t.signal);
        // A restart offer made during a user's retry keeps saying so, even if it leaves after we connected.
        const retry = batch.some((t) => t.retry);
        const body = { from: this.peerId, to: remote, signals, gen, ...(retry ? { retry } : {}) };
        const box = await seal(this.#key!, body);
        if (this.#released) return;
        if (!this.#signaling.send(relayTypeFor(signals), remote, box)) this.#outgoing.unshift(...batch);
      }
    });
  }

  #tellMedia(): void {
    this.#sendPeer({ t: 'media', audio: !this.#muted, video: !this.#cameraOff });
  }

  #sendPeer(message: PeerMessage): void {
    if (!isLive(this.#state)) return;
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
      this.#iceFetchedAt = this.#ports.timers.now();
      this.#iceTtlMs = ttlSeconds * 1000;
      if (answer.reconnectLimitSeconds !== undefined)
        this.#serverReconnectLimitMs = answer.reconnectLimitSeconds * 1000;
    } catch {
      // keep what we have: none at first, the last good ones on a refresh
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
    for (const handle of this.#named.values()) this.#ports.timers.clearTimeout(handle);
    this.#named.clear();
    if (this.#tick !== undefined) this.#ports.timers.clearInterval(this.#tick);
    this.#tick = undefined;
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

/**
 * The status line: the call's phase, plus "Audio only" while we send no video, or "reconnecting to the
 * server" while a call that still needs the server (to be joined, or to connect) has lost it.
 */
export function callStatus(snapshot: CallSnapshot<unknown>): string {
  const { state } = snapshot;
  const text = statusText(state, snapshot.now);
  if (state.phase === 'connected' && sendingAudioOnly(snapshot)) return `${text} · Audio only`;
  const needsServer = state.phase === 'waiting' || state.phase === 'ready' || state.phase === 'connecting';
  return needsServer && !snapshot.signalingOpen ? `${text} · reconnecting to the server…` : text;
}
