import type { CallPhase } from '../call-machine.js';
import type { CallEvents, Participant } from '../call-types.js';
import type { PeerMessage } from '../channel/messages.js';
import { Emitter } from '../emitter.js';
import { CallError } from '../errors.js';
import type { IceConfig } from '../ice-config.js';
import { isLinkLive, type LinkState } from '../link/link-machine.js';
import { PeerLink } from '../link/peer-link.js';
import type { LocalMedia } from '../media/local-media.js';
import type { MediaStreamLike, PeerFactory, Timers } from '../ports.js';
import type { LeaveReason } from '../protocol.js';
import {
  roomCameraLimit,
  uplinkBudgetKbps,
  uplinkCapKbps,
  type RoomCameraLimit,
} from '../quality/uplink-budget.js';
import type { Roster } from '../roster.js';
import type { SealedSignals } from '../seal.js';
import type { SealedRelay } from '../sealed-relay.js';
import { TimerGroup } from '../timer-group.js';
import { Away } from './away.js';
import { checkPair, PairAttempts } from './pair-watch.js';
import { PreviewNegotiation } from './preview.js';

export interface MeshOptions<S extends MediaStreamLike> {
  readonly peerId: string;
  readonly roster: Roster;
  readonly relay: SealedRelay;
  readonly ice: IceConfig;
  readonly local: LocalMedia<S>;
  readonly createPeer: PeerFactory<S>;
  readonly timers: Timers;
  readonly autoFallback: () => boolean;
  /** How long a broken connection is restarted before a link is `lost`. */
  readonly reconnectLimitMs: () => number;
  /** Our display name, told to everyone connected. */
  readonly name: () => string | undefined;
  /** The call's phase: a pair that cannot connect fails the call only while it is connecting. */
  readonly phase: () => CallPhase;
}

export type MeshEvents = {
  change: [];
  message: [from: string, message: PeerMessage];
  'participant-joined': CallEvents['participant-joined'];
  'participant-left': CallEvents['participant-left'];
  /** A link was made for someone's offer (a waiting host is connecting from here). */
  offered: [];
  /**
   * A current link changed phase and the mesh has taken it in: the call's phase follows. `lastEnded`: it
   * closed (or failed) and no link is left.
   */
  links: [state: LinkState, lastEnded: boolean];
  /** Any link changed phase (after `links`, for features such as chat). */
  link: [id: string, state: LinkState];
  /** Nobody is left to connect to while the call is connecting: it fails with this. */
  unreachable: [CallError];
  /**
   * Those we were still connecting to in a room dropped their sockets and did not come back (see away.ts),
   * and nobody else is in the room: we wait for someone to join.
   */
  alone: [];
};

/**
 * The call's peer links, one per remote participant (a mesh of up to 6): which pairs to make and when (the
 * glare rule: the smaller id offers), rebuilding and retrying pairs that do not connect (pair-watch.ts),
 * answering offers, reacting to the room (LEAVE, EXPIRE, our socket coming back), and sharing our uplink
 * among the links. The pairs negotiated on a preview, and the hellos, are preview.ts's. The call decides its own phase from what this tells it.
 */
export class Mesh<S extends MediaStreamLike> extends Emitter<MeshEvents> {
  readonly #o: MeshOptions<S>;
  readonly #links = new Map<string, PeerLink<S>>();
  /** Participants whose link connected at least once (for join and leave notices). */
  readonly #met = new Set<string>();
  /** Rebuilds and retries of each pair in a row: the next attempt backs off. */
  readonly #attempts = new PairAttempts();
  readonly #timers: TimerGroup;
  /** Those whose socket dropped while our pair with them was still connecting, waited for (away.ts). */
  readonly #away: Away;
  /** Where we are (preview or call), the hellos, and the pairs made ahead. */
  readonly #preview: PreviewNegotiation<S>;
  #serial = 0;
  #closed = false;
  /** The last pair whose link failed before connecting while they were still in the room (see #goneWithoutLink). */
  #failedPair: { id: string; error: CallError } | undefined;

  constructor(options: MeshOptions<S>) {
    super();
    this.#o = options;
    this.#away = new Away(options.timers);
    this.#timers = new TimerGroup(options.timers);
    this.#preview = new PreviewNegotiation<S>({
      peerId: options.peerId,
      roster: options.roster,
      relay: options.relay,
      link: (id) => this.#links.get(id),
      all: () => this.all(),
      connectTo: (id) => this.#connectTo(id),
      answerAhead: (id) => this.#prepareAnswer(id),
      dropLink: (link) => this.#dropLink(link),
      watch: (link) => this.#armPair(link),
      shown: (link) => {
        this.#failedPair = undefined;
        if (!link.prepared) this.emit('offered');
        this.emit('change');
      },
    });
  }

  get size(): number {
    return this.#links.size;
  }

  get(id: string): PeerLink<S> | undefined {
    return this.#links.get(id);
  }

  /** Every link, those made ahead included (intents such as mute act on all of them). */
  all(): PeerLink<S>[] {
    return [...this.#links.values()];
  }

  /** Our links but those made ahead for someone not in the call yet (see PeerLink.prepared). */
  shown(): PeerLink<S>[] {
    return this.all().filter((l) => !l.prepared);
  }

  participants(): Participant<S>[] {
    const roster = this.#o.roster;
    return this.shown()
      .map((link) => ({
        id: link.remoteId,
        name: link.remote.name,
        position: roster.position(link.remoteId),
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
      .sort((a, b) => roster.position(a.id) - roster.position(b.id));
  }

  /** Nothing arrives from anyone we are connected to (one frozen person in a group is their own tile's trouble). */
  allUnstable(): boolean {
    const connected = this.all().filter((l) => l.state.phase === 'connected');
    return connected.length > 0 && connected.every((l) => l.unstable);
  }

  /** A guest on its preview negotiates every pair ahead (see PreviewNegotiation.prepare). */
  prepare(): void {
    this.#preview.prepare();
  }

  /** We are in the call (the host from the start, a guest on "Join call"). */
  enter(): void {
    this.#preview.enter();
  }

  /** Sealed signals (or a hello) from `src`, opened. */
  signals(src: string, body: SealedSignals): void {
    if (this.#closed) return;
    const { roster } = this.#o;
    // Someone we waited for is back: what we sent while they were away never arrived (see joined()).
    const wasAway = this.#away.back(src);
    if (body.hello) return this.#preview.hello(src, body.hello, wasAway);
    const link = this.#links.get(src);
    const offer = body.signals.some((s) => s.type === 'offer');
    const serial = body.link ?? 0;
    // Signals made on a preview say so; any other says its sender is in the call.
    if (body.staged !== true && (offer || link)) roster.enter(src);
    // The first offer for the peer connection we made ahead to answer it.
    if (link && link.serial === undefined && offer) {
      link.bind(serial);
      this.#failedPair = undefined;
      this.#preview.arrived(link);
      this.emit('change');
      return link.receive(body);
    }
    if (link && (link.serial === serial || link.initiator)) {
      // An answer for a peer connection we have since rebuilt cannot be applied: dropped.
      if (link.initiator && link.serial !== serial) return;
      this.#preview.arrived(link);
      return link.receive(body);
    }
    // A first offer (or one from a pair the other side rebuilt): a new answering link, once we can make one.
    if (!offer || !this.#preview.ready) return;
    if (link) this.#dropLink(link);
    else if (this.#full()) return;
    this.#addLink(src, false, serial).receive(body);
  }

  /** The server could not deliver to `src`: a hello or offer to someone whose socket is gone. */
  expired(src: string): void {
    if (this.#closed) return;
    const { roster } = this.#o;
    // A live link only lost its signaling for now (a restart of ours never arrived there: the next request
    // restarts at once).
    const link = this.#links.get(src);
    if (link && isLinkLive(link.state)) return link.undelivered();
    // Someone we wait for (away.ts): our signals to them wait for their return, or their deadline.
    if (this.#away.has(src)) return;
    roster.remove(src);
    if (link) this.#dropLink(link);
    if (this.#o.phase() === 'connecting' && this.#links.size === 0 && roster.others().length === 0)
      this.emit(
        'unreachable',
        this.#failedPair?.id === src ? this.#failedPair.error : new CallError('room-empty'),
      );
  }

  /** `src` left the room: hung up, or its socket closed ('gone'). */
  left(src: string, reason: LeaveReason): void {
    if (this.#closed) return;
    const link = this.#links.get(src);
    // Someone who never joined (or before we did): the pair made ahead just goes.
    if (link?.awaiting) {
      this.#away.back(src);
      this.#o.roster.remove(src);
      return this.#dropLink(link);
    }
    if (reason === 'gone' && this.#waitsFor(src, link)) {
      this.#away.start(src, () => this.#awayTooLong(src));
      return this.emit('change');
    }
    this.#away.back(src);
    if (!link || !isLinkLive(link.state)) this.#o.roster.remove(src);
    if (!link) return this.#goneWithoutLink(src);
    if (reason === 'gone') link.socketClosed();
    else link.remoteHungUp();
  }

  /**
   * `src` registered in the room (again). Someone we waited for is back: a pair of which we make the offer
   * starts afresh (the offers we sent while they were away were not delivered); of the others, they offer.
   */
  joined(src: string): void {
    if (this.#closed) return;
    if (!this.#away.back(src)) return this.#preview.registered(src);
    const link = this.#links.get(src);
    if (link?.initiator && link.state.phase === 'connecting') {
      this.#dropLink(link);
      this.#connectTo(src);
    }
  }

  /** Signaling is back after a drop: every link sends what waited and restarts ICE at once if it needs to. */
  signalingBack(): void {
    const { relay, peerId } = this.#o;
    if (this.#links.size === 0) relay.setUrgent(peerId, false);
    for (const link of this.#links.values()) link.signalingBack();
    // After the roster the new socket brought (queued on the relay before us).
    relay.enqueue(() => this.#rejoin());
  }

  /** Our own hang-up: "bye" on every link (and a LEAVE through the server to those who heard from us). */
  hangUp(contacted: boolean): void {
    for (const link of this.#links.values()) link.hangUp(contacted && !link.prepared);
  }

  /** Releases every link and timer; safe to call more than once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#away.clear();
    this.#timers.clear();
    for (const link of this.#links.values()) link.close();
  }

  /**
   * Our socket came back. While it was away the server told everyone we were gone, and each of them
   * ended its pair with us that was still connecting (a live one only pinged us): those pairs start
   * again — ours with a fresh offer, theirs on a hello. Without this they waited forever on a pair the
   * other side no longer had (bench:mesh, 6 people on a starved machine).
   */
  #rejoin(): void {
    if (this.#closed) return;
    // On our preview: the others dropped what we negotiated ahead with them; it starts again.
    if (!this.#preview.joined) return this.#preview.rejoin();
    const { roster, relay, peerId } = this.#o;
    for (const id of roster.others()) {
      const link = this.#links.get(id);
      if (link && isLinkLive(link.state)) continue;
      if (peerId > id) relay.hello(id, 'join');
      else if (link || roster.inCall(id)) {
        if (link) this.#dropLink(link);
        this.#connectTo(id);
      }
    }
  }

  /**
   * A room's member whose socket dropped (LEAVE 'gone') while our call is still connecting and our pair
   * with them has not connected yet: a page held on a loaded machine loses its socket and is back seconds
   * later (bench:mesh), and failing our call then threw away pairs about to connect. The pair stays (its
   * watch goes on rebuilding and retrying, with back-off) until they are back or AWAY_MS passes. A 1:1
   * call (nobody else in the room) ends or fails as it always did.
   */
  #waitsFor(src: string, link: PeerLink<S> | undefined): boolean {
    const { roster } = this.#o;
    if (this.#o.phase() !== 'connecting' || !roster.has(src) || roster.others().length < 2) return false;
    return link ? link.state.phase === 'connecting' : this.#failedPair?.id === src;
  }

  /** Someone we waited for did not come back in time: they left. Alone in the room, we wait for others. */
  #awayTooLong(src: string): void {
    if (this.#closed) return;
    const link = this.#links.get(src);
    if (link && isLinkLive(link.state)) return;
    this.#o.roster.remove(src);
    this.#attempts.reset(src);
    if (this.#failedPair?.id === src) this.#failedPair = undefined;
    if (link) this.#dropLink(link);
    const { roster } = this.#o;
    if (this.#o.phase() === 'connecting' && this.#links.size === 0 && roster.others().length === 0)
      return this.emit('alone');
    this.emit('change');
  }

  /**
   * Someone we have no link with left the room. If it was the last pair we were trying to connect, and
   * its link failed while they were still registered (the failure and their LEAVE race), the call fails now.
   */
  #goneWithoutLink(id: string): void {
    const failed = this.#failedPair;
    if (failed?.id === id && this.#o.phase() === 'connecting' && this.#links.size === 0) {
      this.#failedPair = undefined;
      return this.emit('unreachable', failed.error);
    }
    this.emit('change');
  }

  /** A guest on its preview: the peer connection that will answer `id`'s offer, made now (see prepare()). */
  #prepareAnswer(id: string): void {
    if (this.#closed || this.#links.has(id) || this.#o.peerId <= id || this.#full()) return;
    this.#addLink(id, false, undefined);
  }

  /**
   * The glare rule: of each pair the smaller id makes the offer; the other waits for it. Made while one of
   * us is still on a preview, the pair is watched once both are in the call (PreviewNegotiation.arrived).
   */
  #connectTo(id: string): void {
    if (!this.#preview.ready || this.#closed || this.#links.has(id) || this.#o.peerId >= id) return;
    if (this.#full()) return;
    const link = this.#addLink(id, true, ++this.#serial);
    if (!link.awaiting) this.#armPair(link);
  }

  /**
   * A pair that shows no progress is rebuilt, alone (the answering side follows the new serial): see
   * pair-watch.ts for when, and how repeated rebuilds of one pair back off.
   */
  #armPair(
    link: PeerLink<S>,
    waitMs = this.#attempts.waitMs(link.remoteId),
    rounds = 0,
    startedAt = this.#o.timers.now(),
  ): void {
    const { timers } = this.#o;
    const dueAt = timers.now() + waitMs;
    this.#timers.after(waitMs, () => {
      if (this.#links.get(link.remoteId) !== link || link.state.phase !== 'connecting') return;
      const verdict = checkPair({
        now: timers.now(),
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

  /**
   * Whether we hold a link for everyone the room can hold. Links to those whose socket the server says is
   * gone (their gone-check, or our wait for them, under way) do not count: their place is free, and a
   * newcomer who takes it offers (or hears our offer) before those links end. Counted, the newcomer's offer
   * was ignored and our own never made: its pair waited for a rebuild (10 s) or never connected. Such links
   * are bounded by the room's size too.
   */
  #full(): boolean {
    const { capacity } = this.#o.roster;
    if (this.#links.size >= 2 * (capacity - 1)) return true;
    const present = this.all().filter((l) => !l.socketGone && !this.#away.has(l.remoteId));
    return present.length >= capacity - 1;
  }

  /**
   * `serial` undefined: answering, made ahead of the offer. Made while we are on our preview, its addresses
   * wait for "Join call" (`staged`); made while one of us is, it is not a participant's yet (`awaiting`).
   */
  #addLink(remoteId: string, initiator: boolean, serial: number | undefined): PeerLink<S> {
    const o = this.#o;
    const link = new PeerLink<S>({
      remoteId,
      serial,
      initiator,
      createPeer: o.createPeer,
      timers: o.timers,
      local: o.local,
      relay: o.relay,
      ice: o.ice,
      autoFallback: o.autoFallback(),
      reconnectLimitMs: o.reconnectLimitMs,
      name: o.name,
      uplink: this.#startingShare(),
      staged: !this.#preview.joined,
      awaiting: !(this.#preview.joined && o.roster.inCall(remoteId)),
    });
    this.#links.set(remoteId, link);
    link.on('change', () => this.emit('change'));
    link.on('message', (message) => this.emit('message', remoteId, message));
    link.on('state', (state) => {
      this.#onLinkState(link, state);
      this.emit('link', remoteId, state);
    });
    if (link.prepared) return link;
    this.#failedPair = undefined;
    this.emit('offered');
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

  /**
   * Every link's video gets its share of our uplink and the room's camera limit, recomputed whenever someone
   * connects or leaves.
   */
  #rebalance(): void {
    const { capBps, limit } = this.#share(this.#expected());
    for (const link of this.shown()) link.setUplinkCap(capBps, limit);
  }

  /**
   * How many links we will send on once those under way are shown: in the call, every link but those made
   * ahead for someone still on their preview. A joiner's first link can connect before it has heard that
   * the others are in the call (their answers to what it negotiated ahead still on their way): counted
   * by what it had shown, its encoders went to a 1:1 call's 720p and back to the room's 240p in the join.
   */
  #expected(): number {
    if (!this.#preview.joined) return this.shown().length;
    const { roster } = this.#o;
    const onPreview = (id: string) => roster.previewed(id) && !roster.inCall(id);
    return this.all().filter((l) => !l.awaiting || !onPreview(l.remoteId)).length;
  }

  /**
   * A new link starts with the share it will have once it connects, in the room the roster shows (every
   * other member, or the links we have and this one if more): a joiner's links are made on its preview,
   * and were capped only when the first of them connected — every encoder started over (a new resolution,
   * a keyframe) in the join, and each change held the busy page (bench:mesh, 4 people).
   */
  #startingShare(): { capBps: number | undefined; limit: RoomCameraLimit | undefined } {
    const { roster } = this.#o;
    const links = Math.max(this.#links.size + 1, roster.others().length);
    return this.#share(Math.min(links, roster.capacity - 1));
  }

  /** Each link's share of our uplink and the room's camera limit, for `links` links. */
  #share(links: number): { capBps: number | undefined; limit: RoomCameraLimit | undefined } {
    const budget = uplinkBudgetKbps(this.shown().map((l) => l.quality?.availableUpKbps));
    const cap = uplinkCapKbps(links, budget);
    return { capBps: cap === undefined ? undefined : cap * 1000, limit: roomCameraLimit(links) };
  }

  #onLinkState(link: PeerLink<S>, state: LinkState): void {
    if (this.#links.get(link.remoteId) !== link) return;
    const id = link.remoteId;
    const roster = this.#o.roster;
    if (link.awaiting && !this.#preview.linkState(link, state)) return;
    // Every link that (re)connects gets its share of the uplink then: also a link made anew for someone we
    // had met (a pair the other side rebuilt), which no join would re-cap. Links whose cap is unchanged
    // are not touched (SenderActuator.setCap).
    if (state.phase === 'connected') {
      this.#attempts.reset(id);
      this.#rebalance();
    }
    if (state.phase === 'connected' && !this.#met.has(id)) {
      this.#met.add(id);
      this.emit('participant-joined', id, link.remote.name, roster.position(id));
    }
    if (state.phase === 'closed' || state.phase === 'failed') {
      this.#links.delete(id);
      this.#rebalance();
      if (state.phase === 'closed') {
        // Our own hang-up closes every link: nobody left us, and the status says "Call ended" at once.
        const theyLeft = state.reason !== 'hangup';
        const position = roster.position(id);
        if (theyLeft) {
          roster.remove(id);
          this.#attempts.reset(id);
        }
        if (this.#met.delete(id) && theyLeft)
          this.emit('participant-left', id, link.remote.name, position, state.reason);
      }
      // A pair that failed to connect is tried again by its initiator while the other side is still here.
      if (state.phase === 'failed' && link.initiator && roster.has(id)) {
        const retryMs = this.#attempts.retryMs(id);
        this.#attempts.failed(id);
        this.#timers.after(retryMs, () => this.#connectTo(id));
      }
      if (this.#links.size === 0) return this.#lastLinkEnded(id, state);
    }
    this.emit('links', state, false);
  }

  /** Nobody left: the call ends as a 1:1 call always did (or fails, if nobody ever connected). */
  #lastLinkEnded(id: string, state: LinkState): void {
    if (state.phase === 'failed') {
      // While the other side is still registered a rebuild may follow; if they leave first, this is why.
      if (this.#o.phase() !== 'connecting') return;
      if (!this.#o.roster.has(id)) this.emit('unreachable', state.error);
      else this.#failedPair = { id, error: state.error };
      return;
    }
    this.emit('links', state, true);
  }
}
