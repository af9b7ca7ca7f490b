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
import { PeerLink } from './link/peer-link.js';
import { checkPair, PairAttempts } from './mesh/pair-watch.js';
import { iceServersUrl, type Invite } from './link.js';
import { LocalMedia, type ShareSource } from './media/local-media.js';
import { boundName } from './names.js';
import type { MediaStreamLike, TimerHandle } from './ports.js';
import type { ServerMessage } from './protocol.js';
import type { StatsInput } from './quality/stats.js';
import { uplinkBudgetKbps, uplinkCapKbps } from './quality/uplink-budget.js';
import { Roster } from './roster.js';
import type { SealedSignals } from './seal.js';
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
  readonly #links = new Map<string, PeerLink<S>>();
  /** Participants whose link connected at least once (for join and leave notices). */
  readonly #met = new Set<string>();
  /** Rebuilds and retries of each pair in a row: the next attempt backs off. */
  readonly #attempts = new PairAttempts();
  readonly #connectTimeoutMs: number;
  readonly #reconnectLimitMs: number | undefined;
  #name: string | undefined;
  /** In the call: the host from the start, a guest from "Join call". */
  #joined = false;
  #serial = 0;
  /** The last pair whose link failed before connecting while they were still in the room (see #goneWithoutLink). */
  #failedPair: { id: string; error: CallError } | undefined;
  /** A room's joiner past its connect time, signaling open: the status says it is still trying (not failed). */
  #stillConnecting = false;
  /** When our signaling socket dropped (undefined while it is open). */
  #signalingDownAt: number | undefined;
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
    const participants = this.#participants();
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
      unstable: this.#allUnstable(),
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
    return this.#firstLink(this.#participants())?.getStats();
  }

  #allUnstable(): boolean {
    const connected = [...this.#links.values()].filter((l) => l.state.phase === 'connected');
    return connected.length > 0 && connected.every((l) => l.unstable);
  }

  /** The single-peer fields show the first participant who is connected (else the first at all). */
  #firstLink(participants: readonly Participant<S>[]): PeerLink<S> | undefined {
    const first = participants.find((p) => isLinkLive({ phase: p.phase })) ?? participants[0];
    return first === undefined ? undefined : this.#links.get(first.id);
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
    // A guest prepares its side of every pair while the user looks at the preview: its offers to those it will
    // call (the glare rule), and the peer connections that will answer the others' offers. A peer connection
    // made on the click costs ~0.1–0.4 s on a busy page (bench:mesh, 4 people), and each pair waits for it.
    if (this.role === 'guest')
      for (const id of this.#roster.others()) {
        this.#connectTo(id, true);
        this.#prepareAnswer(id);
      }
    this.#dispatch({ type: 'prepared', role: this.role });
    if (this.role === 'host') this.#enter();
  }

  /**
   * Guest: in the call — sends the offers it prepared and says hello to everyone in the room; the others
   * offer to us where the glare rule says they do.
   */
  join(): void {
    if (this.role !== 'guest' || this.#state.phase !== 'ready') return;
    this.#dispatch({ type: 'join' });
    this.#armConnectTimeout();
    if (this.#roster.others().length === 0) return this.#fail(new CallError('room-empty'));
    for (const link of this.#links.values()) {
      if (!link.initiator) continue;
      link.join();
      this.#armPair(link);
    }
    this.#enter();
  }

  /** Our display name (bounded); told to everyone connected now and to whoever connects later. */
  setName(name: string): void {
    this.#name = boundName(name);
    for (const link of this.#links.values()) link.tellName();
    this.emit('change');
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
   * Sends a tab instead of the camera (and `audio` instead of the microphone) on every link's senders: no
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

  /** Leaves the call: "bye" over each data channel and a LEAVE through the server; the others go on. */
  hangUp(): void {
    if (isFinal(this.#state)) return this.#release();
    // Only a peer that has heard from us is told: a guest who never joined has sent nobody anything.
    const contacted = this.#state.phase === 'connecting' || isLive(this.#state);
    for (const link of this.#links.values()) link.hangUp(contacted && !link.prepared);
    this.#dispatch({ type: 'hangup' });
  }

  /** Everyone we have a link with, and whether it is connected (chat and files address each). */
  participants(): { id: string; name: string | undefined; position: number; connected: boolean }[] {
    return this.#shownLinks().map((l) => ({
      id: l.remoteId,
      name: l.remote.name,
      position: this.#roster.position(l.remoteId),
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

  /** Our links but those made ahead for someone not in the call yet (see PeerLink.prepared). */
  #shownLinks(): PeerLink<S>[] {
    return [...this.#links.values()].filter((l) => !l.prepared);
  }

  #participants(): Participant<S>[] {
    return this.#shownLinks()
      .map((link) => ({
        id: link.remoteId,
        name: link.remote.name,
        position: this.#roster.position(link.remoteId),
        stream: link.remoteStream,
        phase: link.state.phase,
        audio: link.remote.audio,
        video: link.remote.video,
        sharing: link.remote.sharing,
        quality: link.quality,
        remoteDecision: link.remote.decision,
        uplinkCapKbps: link.uplinkCap === undefined ? undefined : link.uplinkCap / 1000,
        unstable: link.unstable,
        reconnectingSince: link.state.phase === 'reconnecting' ? link.state.since : undefined,
      }))
      .sort((a, b) => this.#roster.position(a.id) - this.#roster.position(b.id));
  }

  /** We are in the call: everyone registered hears it, and those already in answer. */
  #enter(): void {
    this.#joined = true;
    // An offer says it already; everyone else hears a hello (those we prepared to answer too: they offer).
    for (const id of this.#roster.others())
      if (this.#links.get(id)?.initiator !== true) this.#relay.hello(id, 'join');
    for (const id of this.#roster.others()) if (this.#roster.inCall(id)) this.#connectTo(id);
  }

  /** A guest on its preview: the peer connection that will answer `id`'s offer, made now (see start()). */
  #prepareAnswer(id: string): void {
    if (this.#released || this.#links.has(id) || this.peerId <= id) return;
    if (this.#links.size >= this.#roster.capacity - 1) return;
    this.#addLink(id, false, undefined);
  }

  /**
   * The glare rule: of each pair the smaller id makes the offer; the other waits for it. `held`: a guest
   * still looking at its preview prepares the offer and sends it on "Join call".
   */
  #connectTo(id: string, held = false): void {
    if (!(this.#joined || held) || this.#released || this.#links.has(id) || this.peerId >= id) return;
    if (this.#links.size >= this.#roster.capacity - 1) return;
    const link = this.#addLink(id, true, ++this.#serial, held);
    if (!held) this.#armPair(link);
  }

  /**
   * A pair that shows no progress is rebuilt, alone (the answering side follows the new serial): see
   * mesh/pair-watch.ts for when, and how repeated rebuilds of one pair back off.
   */
  #armPair(
    link: PeerLink<S>,
    waitMs = this.#attempts.waitMs(link.remoteId),
    rounds = 0,
    startedAt = this.#ports.timers.now(),
  ): void {
    const dueAt = this.#ports.timers.now() + waitMs;
    this.#after(waitMs, () => {
      if (this.#links.get(link.remoteId) !== link || link.state.phase !== 'connecting') return;
      const verdict = checkPair({
        now: this.#ports.timers.now(),
        dueAt,
        startedAt,
        progressAt: link.progressAt,
        connectionState: link.connectionState,
        rounds,
        waitMs: this.#attempts.waitMs(link.remoteId),
      });
      if (verdict !== 'rebuild') return this.#armPair(link, verdict.waitMs, verdict.rounds, startedAt);
      this.#attempts.failed(link.remoteId);
      this.#dropLink(link);
      this.#connectTo(link.remoteId);
    });
  }

  /** `held`: an offer kept until `join()` (see PeerLink.hold); `serial` undefined: answering, made ahead. */
  #addLink(remoteId: string, initiator: boolean, serial: number | undefined, held = false): PeerLink<S> {
    const link = new PeerLink<S>({
      remoteId,
      serial,
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
    if (held) link.hold();
    this.#links.set(remoteId, link);
    link.on('change', () => this.emit('change'));
    link.on('message', (message) => this.emit('message', remoteId, message));
    link.on('state', (state) => {
      this.#onLinkState(link, state);
      this.emit('link', remoteId, state);
    });
    if (link.prepared) return link;
    this.#failedPair = undefined;
    if (this.#state.phase === 'waiting') this.#dispatch({ type: 'offer-received' });
    // The uplink is shared anew once this link connects (#onLinkState), not now: changing every other link's
    // encoding means a synchronous getParameters and a setParameters per link, which on a busy machine held
    // a page's main thread for up to 0.6 s while it was negotiating the new pair (bench:mesh, 4 people).
    this.emit('change');
    return link;
  }

  /** Takes a link out without a word to the other side (a rebuild, or a link that never connected). */
  #dropLink(link: PeerLink<S>): void {
    if (this.#links.get(link.remoteId) === link) this.#links.delete(link.remoteId);
    link.close();
    this.#rebalance();
    this.emit('change');
  }

  /** Every link's video gets its share of our uplink, recomputed whenever someone connects or leaves. */
  #rebalance(): void {
    const links = this.#shownLinks();
    const budget = uplinkBudgetKbps(links.map((l) => l.quality?.availableUpKbps));
    const cap = uplinkCapKbps(links.length, budget);
    for (const link of links) link.setUplinkCap(cap === undefined ? undefined : cap * 1000);
  }

  #onLinkState(link: PeerLink<S>, state: LinkState): void {
    if (this.#links.get(link.remoteId) !== link) return;
    const id = link.remoteId;
    // Every link that (re)connects gets its share of the uplink then: also a link made anew for someone we
    // had met (a pair the other side rebuilt), which no join would re-cap. Links whose cap is unchanged
    // are not touched (SenderActuator.setCap).
    if (state.phase === 'connected') {
      this.#attempts.reset(id);
      this.#rebalance();
    }
    if (state.phase === 'connected' && !this.#met.has(id)) {
      this.#met.add(id);
      this.emit('participant-joined', id, link.remote.name, this.#roster.position(id));
    }
    if (state.phase === 'closed' || state.phase === 'failed') {
      this.#links.delete(id);
      this.#rebalance();
      if (state.phase === 'closed') {
        // Our own hang-up closes every link: nobody left us, and the status says "Call ended" at once.
        const theyLeft = state.reason !== 'hangup';
        const position = this.#roster.position(id);
        if (theyLeft) {
          this.#roster.remove(id);
          this.#attempts.reset(id);
        }
        if (this.#met.delete(id) && theyLeft)
          this.emit('participant-left', id, link.remote.name, position, state.reason);
      }
      // A pair that failed to connect is tried again by its initiator while the other side is still here.
      if (state.phase === 'failed' && link.initiator && this.#roster.has(id)) {
        const retryMs = this.#attempts.retryMs(id);
        this.#attempts.failed(id);
        this.#after(retryMs, () => this.#connectTo(id));
      }
      if (this.#links.size === 0) return this.#lastLinkEnded(id, state);
    }
    this.#syncPhase();
  }

  /** Nobody left: the call ends as a 1:1 call always did (or fails, if nobody ever connected). */
  /**
   * Someone we have no link with left the room. If it was the last pair we were trying to connect, and
   * its link failed while they were still registered (the failure and their LEAVE race), the call fails now.
   */
  #goneWithoutLink(id: string): void {
    const failed = this.#failedPair;
    if (failed?.id === id && this.#state.phase === 'connecting' && this.#links.size === 0) {
      this.#failedPair = undefined;
      return this.#fail(failed.error);
    }
    this.emit('change');
  }

  #lastLinkEnded(id: string, state: LinkState): void {
    if (state.phase === 'failed') {
      // While the other side is still registered a rebuild may follow; if they leave first, this is why.
      if (this.#state.phase !== 'connecting') return;
      if (!this.#roster.has(id)) this.#fail(state.error);
      else this.#failedPair = { id, error: state.error };
      return;
    }
    if (state.phase !== 'closed') return;
    if (state.reason === 'remote-hangup') this.#dispatch({ type: 'remote-hangup' });
    else if (state.reason === 'peer-left') this.#dispatch({ type: 'peer-gone' });
  }

  /**
   * The call's phase from its links: connected while anyone is; reconnecting while nobody is and someone
   * is being reconnected; lost once every link has given up. (With one link it follows that link.)
   */
  #syncPhase(): void {
    const states = [...this.#links.values()].map((l) => l.state);
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
      this.emit('change');
      return;
    }
    if (message.type === 'EXPIRE') {
      // A hello or offer to someone whose socket is gone; a live link only lost its signaling for now (a
      // restart of ours never arrived there: the next request restarts at once).
      const link = this.#links.get(src);
      if (link && isLinkLive(link.state)) return link.undelivered();
      this.#roster.remove(src);
      if (link) this.#dropLink(link);
      if (this.#state.phase === 'connecting' && this.#links.size === 0 && this.#roster.others().length === 0)
        this.#fail(this.#failedPair?.id === src ? this.#failedPair.error : new CallError('room-empty'));
      return;
    }
    if (message.type === 'LEAVE') {
      const reason = await this.#relay.leaveReason(message.payload, src);
      if (reason === undefined || this.#released) return;
      if (reason === 'busy' || reason === 'unauthorized') {
        if (!isLive(this.#state)) this.#fail(new CallError(reason));
        return;
      }
      const link = this.#links.get(src);
      if (!link || !isLinkLive(link.state)) this.#roster.remove(src);
      if (!link) return this.#goneWithoutLink(src);
      if (reason === 'gone') link.socketClosed();
      else link.remoteHungUp();
      return;
    }
    // An offer (or hello) we cannot open gets no answer at all: answering would spend our own rate budget.
    const body = await this.#relay.open(message.payload, src);
    if (!body || this.#released) return;
    this.#onSealed(src, body);
  }

  #onSealed(src: string, body: SealedSignals): void {
    if (body.hello) {
      const wasIn = this.#roster.inCall(src);
      this.#roster.enter(src);
      if (!this.#joined) return;
      // The larger id waits for an offer: it tells the joiner it is here (the smaller one just offers).
      if (body.hello === 'join' && this.peerId > src && !this.#links.has(src))
        this.#relay.hello(src, 'reply');
      // An offer we made before they were in the call was ignored there: make a fresh one now.
      const stale = this.#links.get(src);
      if (
        !wasIn &&
        body.hello === 'join' &&
        stale?.initiator &&
        stale.state.phase === 'connecting' &&
        !stale.heard
      )
        this.#dropLink(stale);
      this.#connectTo(src);
      return;
    }
    const link = this.#links.get(src);
    const offer = body.signals.some((s) => s.type === 'offer');
    const serial = body.link ?? 0;
    // The first offer for the peer connection we made ahead to answer it.
    if (link && link.serial === undefined && offer && this.#joined && !isFinal(this.#state)) {
      this.#roster.enter(src);
      link.bind(serial);
      this.#failedPair = undefined;
      this.emit('change');
      return link.receive(body);
    }
    if (link && (link.serial === serial || link.initiator)) {
      // An answer for a peer connection we have since rebuilt cannot be applied: dropped.
      if (link.initiator && link.serial !== serial) return;
      return link.receive(body);
    }
    // A first offer (or one from a pair the other side rebuilt): a new answering link, if we are in.
    if (!offer || !this.#joined || isFinal(this.#state)) return;
    if (link) this.#dropLink(link);
    else if (this.#links.size >= this.#roster.capacity - 1) return;
    this.#roster.enter(src);
    this.#addLink(src, false, serial).receive(body);
  }

  /** Signaling is back after a drop: every link sends what waited and restarts ICE at once if it needs to. */
  #onSignalingBack(): void {
    this.emit('change');
    if (this.#links.size === 0) this.#relay.setUrgent(this.peerId, false);
    for (const link of this.#links.values()) link.signalingBack();
    // After the roster the new socket brought (queued on the relay before us).
    this.#relay.enqueue(() => this.#rejoin());
  }

  /**
   * Our socket came back. While it was away the server told everyone we were gone, and each of them
   * ended its pair with us that was still connecting (a live one only pinged us): those pairs start
   * again — ours with a fresh offer, theirs on a hello. Without this they waited forever on a pair the
   * other side no longer had (bench:mesh, 6 people on a starved machine).
   */
  #rejoin(): void {
    if (!this.#joined || this.#released || isFinal(this.#state)) return;
    for (const id of this.#roster.others()) {
      const link = this.#links.get(id);
      if (link && isLinkLive(link.state)) continue;
      if (this.peerId > id) this.#relay.hello(id, 'join');
      else if (link || this.#roster.inCall(id)) {
        if (link) this.#dropLink(link);
        this.#connectTo(id);
      }
    }
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

  /**
   * A call that has not connected within the limit fails rather than hanging in "Connecting…" — in a 1:1
   * call. In a room whose signaling is open, the pairs are still being tried by their watch (rebuilt,
   * retried): on a starved machine nobody may answer the last joiner for 10 s and more (bench:mesh, 6 people),
   * and failing the whole call then threw away pairs about to connect. There the status says it is still
   * trying, and the call fails only once signaling itself has been unreachable for the limit.
   */
  #armConnectTimeout(ms = this.#connectTimeoutMs): void {
    this.#after(ms, () => {
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
