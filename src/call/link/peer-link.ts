import type { ChannelContext, RemoteState } from '../channel/handler.js';
import type { PeerMessage } from '../channel/messages.js';
import { route } from '../channel/router.js';
import { Emitter } from '../emitter.js';
import { CallError } from '../errors.js';
import type { FileChannelLike } from '../files/channel.js';
import type { IceConfig } from '../ice-config.js';
import type { LocalMedia } from '../media/local-media.js';
import { SenderActuator } from '../media/sender-actuator.js';
import type { MediaStreamLike, PeerConnectionState, PeerFactory, PeerLike, Timers } from '../ports.js';
import type { SignalData } from '../protocol.js';
import { OPENING_MS } from '../quality/actuation.js';
import { QualityMonitor } from '../quality/monitor.js';
import type { QualityDecision } from '../quality/policy.js';
import type { StatsInput } from '../quality/stats.js';
import type { RoomCameraLimit } from '../quality/uplink-budget.js';
import { summarize, type QualitySummary } from '../quality/summary.js';
import type { SealedSignals } from '../seal.js';
import type { SealedRelay } from '../sealed-relay.js';
import {
  initialLinkState,
  isLinkFinal,
  isLinkLive,
  nextLinkState,
  type LinkEvent,
  type LinkState,
} from './link-machine.js';
import { FlowWatch } from './flow-watch.js';
import { NamedTimers } from './named-timers.js';
import { Negotiation } from './negotiation.js';
import { Presence } from './presence.js';
import { Recovery } from './recovery.js';

/** Gives the data channel a moment to carry "bye" before the peer connection closes. */
const BYE_FLUSH_MS = 60;

export interface PeerLinkOptions<S extends MediaStreamLike> {
  readonly remoteId: string;
  /**
   * Which peer connection of the pair this is: the initiator counts up when it rebuilds the pair. Undefined
   * for an answering link made ahead of the offer: it takes the offer's (`bind`).
   */
  readonly serial: number | undefined;
  /** This side offers (and starts each ICE generation); both sides of a pair agree on who does. */
  readonly initiator: boolean;
  readonly createPeer: PeerFactory<S>;
  readonly timers: Timers;
  readonly local: LocalMedia<S>;
  readonly relay: SealedRelay;
  readonly ice: IceConfig;
  readonly autoFallback: boolean;
  /** How long a broken connection is restarted before the link is `lost`. */
  readonly reconnectLimitMs: () => number;
  /** Our display name, told to the other side once connected (undefined: none set). */
  readonly name?: () => string | undefined;
  /**
   * The share of our uplink (bits per second) and the room's camera limit the link starts with, as the
   * mesh expects them once it connects (see `setUplinkCap`): its encoder does not start over then.
   */
  readonly uplink?: { readonly capBps: number | undefined; readonly limit: RoomCameraLimit | undefined };
  /** One of us is still on a preview (see `awaiting`). */
  readonly awaiting?: boolean;
  /**
   * We are on our preview: the pair's descriptions go both ways now, its addresses once we `join()` (see
   * Negotiation.stage).
   */
  readonly staged?: boolean;
}

export type PeerLinkEvents = {
  change: [];
  /** The link's phase changed (new state, previous state). */
  state: [LinkState, LinkState];
  /** A data-channel message arrived and was handled. */
  message: [PeerMessage];
};

/**
 * One remote participant: one peer connection with its own negotiation (offer queue, ICE generation),
 * recovery (ICE restart, give-up, confirm ping), presence (gone-check), quality monitor and senders. The
 * call holds one per participant and closes them all on hang-up.
 */
export class PeerLink<S extends MediaStreamLike> extends Emitter<PeerLinkEvents> {
  readonly remoteId: string;
  readonly initiator: boolean;
  readonly remote: RemoteState = {
    audio: true,
    video: true,
    sharing: undefined,
    decision: undefined,
    name: undefined,
  };
  readonly #o: PeerLinkOptions<S>;
  readonly #peer: PeerLike<S>;
  readonly #named: NamedTimers;
  readonly #negotiation: Negotiation;
  readonly #recovery: Recovery;
  readonly #presence: Presence;
  readonly #flow: FlowWatch;
  readonly #actuator: SenderActuator<S> | undefined;
  #state: LinkState = initialLinkState;
  #remoteStream: S | undefined;
  #monitor: QualityMonitor | undefined;
  #quality: QualitySummary | undefined;
  #autoFallback: boolean;
  #pings = 0;
  #released = false;
  /** What the peer connection last reported (ICE and DTLS together). */
  #connection: PeerConnectionState = 'new';
  /** The pair's last step: our offer or answer made, a signal from the other side, a step of the connection. */
  #progressAt: number | undefined;
  /** Whether a signal from the other side has arrived for this peer connection. */
  #heard = false;
  #awaiting: boolean;

  constructor(options: PeerLinkOptions<S>) {
    super();
    this.#o = options;
    this.remoteId = options.remoteId;
    this.initiator = options.initiator;
    this.#autoFallback = options.autoFallback;
    this.#awaiting = options.awaiting ?? false;
    this.#named = new NamedTimers(options.timers);
    const released = () => this.#released;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the recovery host reads our live state
    const self = this;
    this.#negotiation = new Negotiation({
      remoteId: options.remoteId,
      serial: options.serial,
      initiator: options.initiator,
      relay: options.relay,
      timers: this.#named,
      signalPeer: (signal) => this.#signalPeer(signal),
      onRestartRequested: () => this.#recovery.requested(),
      retrying: () => this.#recovery.retrying,
      released,
    });
    if (options.staged) this.#negotiation.stage();
    this.#recovery = new Recovery(
      {
        get state() {
          return self.#state;
        },
        dispatch: (event) => this.#dispatch(event),
        restartIce: () => this.#restartIce(),
        signalingOpen: () => options.relay.isOpen,
        setUrgent: (urgent) => options.relay.setUrgent(this.remoteId, urgent),
        signalsPending: () => this.#negotiation.pending,
        probeSignaling: () => options.relay.probe(),
        ping: () => this.#ping(),
        stopMonitor: () => this.#monitor?.stop(),
        startMonitor: () => this.#monitor?.start(),
        resay: () => {
          this.tellMedia();
          this.tellShare();
        },
        changed: () => this.emit('change'),
        reconnectLimitMs: options.reconnectLimitMs,
        watchFlowAgain: () => this.#flow.rearm(),
      },
      this.#named,
      options.timers,
    );
    this.#flow = new FlowWatch({
      receivedBytes: () => this.#peer.media?.receivedBytes(),
      timers: options.timers,
      stalled: (since) => this.#recovery.stalled(since),
      flowing: () => {
        this.#recovery.flowing();
        this.#actuator?.refresh();
      },
    });
    this.#presence = new Presence(
      this.#named,
      () => this.#ping(),
      () => this.#dispatch({ type: 'close', reason: 'peer-left' }),
      () => this.#flow.delivering,
    );
    const peer = options.createPeer({
      initiator: options.initiator,
      stream: options.local.stream!,
      iceServers: options.ice.servers,
    });
    this.#peer = peer;
    this.#actuator = peer.media ? new SenderActuator(peer.media, options.local, released) : undefined;
    // The first frames go small, so that the first one leaves at once (see actuation.ts, OPENING_HEIGHT).
    this.#actuator?.open(options.uplink?.capBps, options.uplink?.limit);
    peer.on('signal', (signal) => {
      // Our own description is a step too: on a held page it can come seconds after the link was made.
      if (signal.type === 'offer' || signal.type === 'answer') this.#progressAt = options.timers.now();
      this.#negotiation.local(signal);
    });
    peer.on('stream', (stream) => {
      this.#remoteStream = stream;
      this.emit('change');
    });
    peer.on('connect', () => {
      this.#named.schedule('opening', OPENING_MS, () => this.#actuator?.opened());
      this.#dispatch({ type: 'connected' });
      this.tellMedia();
      this.tellName();
      this.#startMonitor();
      this.#flow.start();
    });
    peer.on('data', (data) => {
      const message = route(this.#channel, data);
      if (message) this.emit('message', message);
    });
    peer.on('connectionState', (state) => this.#onConnectionState(state));
    peer.on('error', () => this.#onPeerClosed());
    peer.on('close', () => this.#onPeerClosed());
  }

  get state(): LinkState {
    return this.#state;
  }

  get remoteStream(): S | undefined {
    return this.#remoteStream;
  }

  /** Connected, but nothing has arrived from the other side for a second or more. */
  get unstable(): boolean {
    return this.#flow.stalled && this.#state.phase === 'connected';
  }

  get quality(): QualitySummary | undefined {
    return this.#quality;
  }

  get decision(): QualityDecision | undefined {
    return this.#actuator?.decision;
  }

  /** The connection's raw stats, for diagnostics (ICE candidates, the selected pair); undefined without media. */
  getStats(): Promise<StatsInput> | undefined {
    return this.#peer.media?.getStats();
  }

  /** This link's file channel (undefined: the peer has none). */
  get fileChannel(): FileChannelLike | undefined {
    return this.#released ? undefined : this.#peer.fileChannel;
  }

  /** Whether the other side has answered (any signal of theirs for this peer connection). */
  get heard(): boolean {
    return this.#heard;
  }

  /** The pair's last step (the call's pair watch: mesh/pair-watch.ts). */
  get progressAt(): number | undefined {
    return this.#progressAt;
  }

  /** The peer connection's own state: 'connecting' while ICE checks (or DTLS) are under way. */
  get connectionState(): PeerConnectionState {
    return this.#connection;
  }

  get gen(): number {
    return this.#negotiation.gen;
  }

  /** Which peer connection of the pair this is; undefined for an answering link still waiting for its offer. */
  get serial(): number | undefined {
    return this.#negotiation.serial;
  }

  /** An answering link made ahead of the offer takes the offer's serial (once). */
  bind(serial: number): void {
    this.#negotiation.serial ??= serial;
  }

  /** "Join call": our addresses go out, and the other side's are applied. */
  join(): void {
    this.#negotiation.release();
  }

  /**
   * Not both of us are in the call yet (we, or they, are on a preview): made ahead, not a participant
   * of ours (no tile, no share of the uplink), until `arrived()`.
   */
  get awaiting(): boolean {
    return this.#awaiting;
  }

  /** Both of us are in the call now. */
  arrived(): void {
    this.#awaiting = false;
  }

  /**
   * Made ahead of the pair's negotiation — one of us still on a preview, or an answering link with no offer
   * yet: not a participant of ours yet (no tile, no share of the uplink).
   */
  get prepared(): boolean {
    return this.#awaiting || this.#negotiation.serial === undefined;
  }

  /** Signals from the other side, unsealed. */
  receive(body: SealedSignals): void {
    if (this.#released) return;
    const gen = body.gen ?? 0;
    // From an ICE generation since restarted: applying it would break this one. A restart request still
    // asks for what it needs: the other side never saw our later generations (lost while its socket was down).
    if (gen < this.#negotiation.gen) {
      if (this.initiator && body.signals.some((s) => s.type === 'renegotiate')) this.#recovery.requested();
      return;
    }
    if (body.signals.length > 0) {
      this.#progressAt = this.#o.timers.now();
      this.#heard = true;
    }
    if (body.retry) this.#recovery.resume();
    this.#negotiation.remote(gen, body.signals);
  }

  /** Our signaling socket is back: send what waited, and restart ICE at once if the link needs it. */
  signalingBack(): void {
    if (this.#released) return;
    this.#negotiation.flush();
    this.#recovery.signalingBack();
  }

  /** The server could not deliver our signals (the other side was not registered): a restart never arrived. */
  undelivered(): void {
    if (this.#released) return;
    this.#recovery.undelivered();
  }

  /**
   * The server said the other side's socket closed and they have not answered since (the gone-check runs):
   * their place in the room is free, and may be someone else's before this link ends.
   */
  get socketGone(): boolean {
    return this.#presence.checking;
  }

  /** The server says the other side's socket closed without a hang-up. */
  socketClosed(): void {
    if (this.#released) return;
    if (!isLinkLive(this.#state)) return this.#onPeerClosed();
    this.#presence.socketClosed();
  }

  /** The other side hung up (its LEAVE through the server). */
  remoteHungUp(): void {
    this.#dispatch({ type: 'close', reason: 'remote-hangup' });
  }

  /** "Try again" after "Connection lost": the other side is told, so that it comes back too. */
  retry(): void {
    if (this.#state.phase !== 'lost') return;
    this.#recovery.retrying = true;
    this.#recovery.resume();
  }

  /** Ends the link from our side: "bye" over the channel and, when `tell`, a LEAVE through the server. */
  hangUp(tell: boolean): void {
    if (this.#released) return;
    this.send({ t: 'bye' });
    if (tell) this.#o.relay.leave(this.remoteId, 'hangup');
    this.#dispatch({ type: 'close', reason: 'hangup' });
  }

  /** Fails a link that never connected (the caller's connect timeout). */
  fail(error: CallError): void {
    this.#dispatch({ type: 'fail', error });
  }

  /** Releases the peer connection, timers and monitor; safe to call more than once. */
  close(): void {
    if (this.#released) return;
    this.#released = true;
    this.#monitor?.stop();
    this.#flow.stop();
    this.#named.clear();
    this.#recovery.stop();
    this.#o.relay.setUrgent(this.remoteId, false);
    const peer = this.#peer;
    this.#o.timers.setTimeout(() => peer.destroy(), BYE_FLUSH_MS);
  }

  send(message: PeerMessage): void {
    if (!isLinkLive(this.#state)) return;
    try {
      this.#peer.send(JSON.stringify(message));
    } catch {
      // channel already closing: the peer's close event tells the other side instead
    }
  }

  tellMedia(): void {
    const local = this.#o.local;
    this.send({ t: 'media', audio: !local.muted, video: !local.cameraOff });
  }

  tellShare(): void {
    this.send({ t: 'share', title: this.#o.local.share?.title ?? null });
  }

  tellName(): void {
    const name = this.#o.name?.();
    if (name !== undefined) this.send({ t: 'name', name });
  }

  /** Puts what the call sends now (camera or tab) on this link's senders. */
  swapSenders(): void {
    if (!this.#released) this.#actuator?.swap();
  }

  /**
   * This link's share of our uplink, in bits per second (undefined: no cap beyond the quality level's), and
   * the room's limit on the camera per link (uplink-budget.ts).
   */
  setUplinkCap(capBps: number | undefined, limit?: RoomCameraLimit): void {
    if (!this.#released) this.#actuator?.setCap(capBps, limit);
  }

  get uplinkCap(): number | undefined {
    return this.#actuator?.capBps;
  }

  /** Whether this link can send a tab (it has senders). */
  get hasMedia(): boolean {
    return this.#actuator !== undefined;
  }

  forceAudioOnly(): void {
    this.#monitor?.forceAudioOnly();
  }

  tryVideo(): void {
    this.#monitor?.tryVideo();
  }

  releaseOverride(): void {
    this.#monitor?.releaseOverride();
  }

  setAutoFallback(enabled: boolean): void {
    this.#autoFallback = enabled;
    this.#monitor?.setAutoFallback(enabled);
  }

  /** The channel as handlers see it. */
  readonly #channel: ChannelContext = {
    remote: this.remote,
    send: (message) => this.send(message),
    hungUp: () => this.#dispatch({ type: 'close', reason: 'remote-hangup' }),
    answered: () => {
      this.#presence.answered();
      this.#recovery.answered();
    },
    changed: () => this.emit('change'),
  };

  #dispatch(event: LinkEvent): void {
    const previous = this.#state;
    const next = nextLinkState(previous, event);
    if (next === previous) return;
    this.#state = next;
    if (isLinkFinal(next)) this.close();
    this.emit('state', next, previous);
    this.emit('change');
  }

  #onConnectionState(state: PeerConnectionState): void {
    if (this.#released) return;
    this.#connection = state;
    if (state === 'connecting' || state === 'connected') this.#progressAt = this.#o.timers.now();
    if (this.#state.phase === 'connecting' && state === 'failed')
      return this.fail(new CallError('connection-failed', 'ICE failed'));
    this.#recovery.connectionState(state);
  }

  #onPeerClosed(): void {
    if (this.#released) return;
    if (this.#state.phase === 'connecting') this.fail(new CallError('connection-failed', 'peer closed'));
    else this.#dispatch({ type: 'close', reason: 'peer-left' });
  }

  #ping(): void {
    this.send({ t: 'ping', n: ++this.#pings });
  }

  /** Hands a signal to the peer; one it cannot take (a description in the wrong state) is dropped. */
  #signalPeer(signal: SignalData): void {
    try {
      this.#peer.signal(signal);
    } catch {
      // a destroyed peer: its close event ends the link
    }
  }

  /** The initiator restarts ICE (a new generation); the other side asks the initiator to, through its peer. */
  async #restartIce(): Promise<void> {
    if (this.#released) return;
    if (this.initiator) this.#negotiation.gen += 1;
    const gen = this.#negotiation.gen;
    this.#recovery.restarted();
    // TURN credentials may have expired in a long call; fresh ones first when past half their life.
    const ice = this.#o.ice;
    const stale = ice.stale;
    if (stale) await ice.load();
    if (this.#released || gen !== this.#negotiation.gen) return;
    this.#peer.restartIce(stale ? ice.servers : undefined);
  }

  /** Watches the connection once a second and adapts what we send (see quality/policy.ts). */
  #startMonitor(): void {
    const media = this.#peer.media;
    const actuator = this.#actuator;
    if (!media || !actuator || this.#monitor || this.#state.phase !== 'connected') return;
    const monitor = new QualityMonitor({
      getStats: () => media.getStats(),
      timers: this.#o.timers,
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
    if (this.#released || !this.#actuator) return;
    this.#actuator.apply(decision);
    const { level, settledLevel, probing, reason, figures } = decision;
    this.send({ t: 'quality', level, settledLevel, probing, reason, figures });
    this.emit('change');
  }
}
