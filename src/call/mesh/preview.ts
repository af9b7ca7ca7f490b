import { isLinkFinal, type LinkState } from '../link/link-machine.js';
import type { PeerLink } from '../link/peer-link.js';
import type { MediaStreamLike } from '../ports.js';
import type { Roster } from '../roster.js';
import type { Hello } from '../seal.js';
import type { SealedRelay } from '../sealed-relay.js';

/** What the preview's negotiation asks of the mesh that holds the links. */
export interface PreviewHost<S extends MediaStreamLike> {
  readonly peerId: string;
  readonly roster: Roster;
  readonly relay: SealedRelay;
  link(id: string): PeerLink<S> | undefined;
  /** Every link, those made ahead included. */
  all(): PeerLink<S>[];
  /** The pair's offer, if the glare rule says we make it (and we can). */
  connectTo(id: string): void;
  /** A peer connection that will answer `id`'s offer, made before it comes. */
  answerAhead(id: string): void;
  dropLink(link: PeerLink<S>): void;
  /** A pair we offer in is watched from now on (pair-watch.ts). */
  watch(link: PeerLink<S>): void;
  /** A link made ahead became a participant's (a pair failed earlier no longer fails the call). */
  shown(link: PeerLink<S>): void;
}

/**
 * Where we are (on our preview, or in the call), and the pairs negotiated while one of a pair is still on a
 * preview: a guest on its preview negotiates every pair ahead, all but the addresses (Negotiation.stage),
 * and its hellos say where it is ('preview', 'join'; 'reply' from a member with the larger id). Such a
 * pair's link is `awaiting` (no tile, no share of the uplink) until both of us are in the call.
 */
export class PreviewNegotiation<S extends MediaStreamLike> {
  readonly #h: PreviewHost<S>;
  /** In the call: the host from the start, a guest from "Join call". */
  #joined = false;
  /** Camera and ICE servers are there: links can be made (a guest on its preview, or in the call). */
  #ready = false;

  constructor(host: PreviewHost<S>) {
    this.#h = host;
  }

  get joined(): boolean {
    return this.#joined;
  }

  get ready(): boolean {
    return this.#ready;
  }

  /**
   * A guest on its preview negotiates every pair ahead: its offers to those it will call (the glare rule),
   * and the peer connections that will answer the others' offers, which a hello 'preview' asks for. "Join
   * call" then only exchanges candidates: the click no longer waits for a hello, an offer and an answer to
   * go round (bench:call), nor for peer connections made on a busy page (~0.1–0.4 s each, bench:mesh, 4
   * people).
   */
  prepare(): void {
    this.#ready = true;
    const { roster, relay } = this.#h;
    for (const id of roster.others()) {
      relay.hello(id, 'preview');
      this.#h.connectTo(id);
      this.#h.answerAhead(id);
    }
  }

  /**
   * We are in the call (the host from the start, a guest on "Join call"): every pair made ahead gets its
   * addresses, everyone registered hears it, and those already in answer.
   */
  enter(): void {
    this.#joined = true;
    this.#ready = true;
    const { roster, relay } = this.#h;
    for (const link of this.#h.all()) link.join();
    for (const id of roster.others()) relay.hello(id, 'join');
    // Those on their preview too: their 'preview' came before we could offer (our camera was not up yet).
    for (const id of roster.others()) if (roster.inCall(id) || roster.previewed(id)) this.#h.connectTo(id);
    for (const link of this.#h.all()) this.arrived(link);
  }

  /**
   * `src` registered in the room while we are on our preview (e.g. a host who starts the call after the
   * guest opened the link): it hears that we are, and the peer connection that will answer its offer is made.
   * Our own offer (the glare rule) waits for its hello: one sent now would reach a page not ready for it.
   */
  registered(src: string): void {
    if (!this.#ready || this.#joined) return;
    this.#h.relay.hello(src, 'preview');
    this.#h.answerAhead(src);
  }

  /**
   * A hello: `src` is on its preview ('preview', and ready for our offer), has joined the call ('join'), or
   * is in it and heard that we joined ('reply').
   */
  hello(src: string, hello: Hello, wasAway: boolean): void {
    const { roster, relay, peerId } = this.#h;
    const wasIn = roster.inCall(src) && !wasAway;
    // An offer made after their 'preview' reached someone ready for it; one made before may not have.
    const offeredAhead = roster.previewed(src);
    if (hello === 'preview') roster.preview(src);
    else roster.enter(src);
    if (!this.#ready) return;
    // The larger id waits for an offer: it tells the joiner it is here (the smaller one just offers).
    if (hello === 'join' && this.#joined && peerId > src && !this.#h.link(src)) relay.hello(src, 'reply');
    // An offer of ours made before they could take it was ignored there: a fresh one now. One made after
    // their 'preview' carries on (their answer may still be on its way): they joined, addresses follow.
    const stale = this.#h.link(src);
    if (
      (hello === 'preview' || (hello === 'join' && !wasIn && !offeredAhead)) &&
      stale?.initiator &&
      stale.state.phase === 'connecting' &&
      !stale.heard
    )
      this.#h.dropLink(stale);
    this.#h.connectTo(src);
    const link = this.#h.link(src);
    if (link) this.arrived(link);
  }

  /**
   * Both of us are in the call now: a link made ahead becomes a participant's (a tile, a share of the
   * uplink), and its pair is watched from here.
   */
  arrived(link: PeerLink<S>): void {
    const id = link.remoteId;
    if (!link.awaiting || !this.#joined || !this.#h.roster.inCall(id) || this.#h.link(id) !== link) return;
    link.arrived();
    if (link.initiator) this.#h.watch(link);
    this.#h.shown(link);
  }

  /**
   * A link made ahead changed phase: connected, both of us released our addresses, so both are in the call
   * (their hello may be behind); one that ends is taken out without a word (nobody joined or left). False
   * while it is still awaiting: the mesh takes in the others.
   */
  linkState(link: PeerLink<S>, state: LinkState): boolean {
    if (state.phase === 'connected') {
      this.#h.roster.enter(link.remoteId);
      this.arrived(link);
    }
    if (isLinkFinal(state)) {
      this.#h.dropLink(link);
      return false;
    }
    return !link.awaiting;
  }

  /** Our socket came back while we are on our preview: the others dropped what we negotiated ahead with them. */
  rejoin(): void {
    if (!this.#ready) return;
    for (const link of this.#h.all()) this.#h.dropLink(link);
    this.prepare();
  }
}
