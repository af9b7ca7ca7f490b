import type { SignalData } from '../protocol.js';
import type { SealedRelay } from '../sealed-relay.js';
import { withoutAddresses } from '../sdp.js';
import type { NamedTimers } from './named-timers.js';

interface Tagged {
  readonly signal: SignalData;
  readonly gen: number;
  /** Made while a user's "Try again" was under way (the other side resumes too). */
  readonly retry: boolean;
  /** Made while we were on our preview (see Negotiation.stage). */
  readonly staged: boolean;
}

/** A description without the addresses in it (see Negotiation.stage); other signals as they are. */
function addressless(signal: SignalData): SignalData {
  return 'sdp' in signal && signal.sdp !== undefined
    ? { ...signal, sdp: withoutAddresses(signal.sdp) }
    : signal;
}

/** A preview keeps at most this many of the other side's candidates (a flood of them is dropped). */
export const KEPT_CANDIDATES_MAX = 64;

/** The answering side: how long an offer may take to be answered before the next waiting one goes anyway. */
const ANSWER_TIMEOUT_MS = 5000;

export interface NegotiationOptions {
  readonly remoteId: string;
  /**
   * Which peer connection of the pair this is (sealed along, see SealedSignals.link); undefined for an
   * answering side made before the offer arrived, which takes the offer's (`bind`).
   */
  readonly serial: number | undefined;
  /** The initiator offers and starts each ICE generation; the other side answers, one offer at a time. */
  readonly initiator: boolean;
  readonly relay: SealedRelay;
  readonly timers: NamedTimers;
  /** Hands a signal to the peer connection. */
  readonly signalPeer: (signal: SignalData) => void;
  /** The other side asks the initiator for an ICE restart. */
  readonly onRestartRequested: () => void;
  /** Whether signals made now say "a user's Try again is under way". */
  readonly retrying: () => boolean;
  readonly released: () => boolean;
}

/**
 * One link's signaling: the ICE generation both sides are on, our signals waiting to be sealed and sent (one
 * message per generation), and on the answering side one offer at a time.
 */
export class Negotiation {
  /** The ICE generation both sides are on (see SealedSignals.gen); the initiator starts each new one. */
  gen = 0;
  /** Which peer connection of the pair this is; undefined until an answering side's first offer. */
  serial: number | undefined;
  readonly #o: NegotiationOptions;
  /** On our preview (`stage` until `release`): our candidates and the other side's, kept. */
  #kept: { out: SignalData[]; in: SignalData[] } | undefined;
  #outgoing: Tagged[] = [];
  /** Answering side: the generation of the offer the peer is answering. */
  #answering: number | undefined;
  #answeredGen = 0;
  /** Answering side: the newest offer (with its candidates) waiting until the current one is answered. */
  #nextOffer: { gen: number; signals: SignalData[] } | undefined;

  constructor(options: NegotiationOptions) {
    this.#o = options;
    this.serial = options.serial;
  }

  /** Whether we are still on our preview (`stage` until `release`). */
  get staged(): boolean {
    return this.#kept !== undefined;
  }

  /** Signals still waiting for the socket. */
  get pending(): boolean {
    return this.#outgoing.length > 0;
  }

  /**
   * We are on our preview: the pair's descriptions are exchanged now (both ways), its addresses only once
   * we `release` ("Join call"). Our candidates are kept, and our descriptions go without addresses; the
   * other side's candidates are kept, and its descriptions are applied without theirs. So nobody learns
   * where we are before we join, no check leaves our peer connection, and no media can flow; on "Join
   * call" only the candidates are left to exchange.
   */
  stage(): void {
    this.#kept ??= { out: [], in: [] };
  }

  /** "Join call": our kept candidates go out, and the other side's are applied. */
  release(): void {
    const kept = this.#kept;
    if (!kept) return;
    this.#kept = undefined;
    for (const signal of kept.out) this.local(signal);
    if (kept.in.length > 0) this.remote(this.gen, kept.in);
  }

  /** A signal from our peer connection. */
  local(signal: SignalData): void {
    const staged = this.#kept !== undefined;
    if (staged && signal.type === 'candidate') return void this.#kept!.out.push(signal);
    if (staged) signal = addressless(signal);
    // The initiator's signals belong to its current generation; the answerer's to the offer it answers.
    const gen = this.#o.initiator ? this.gen : (this.#answering ?? this.#answeredGen);
    this.#outgoing.push({ signal, gen, retry: this.#o.retrying(), staged });
    if (signal.type === 'answer' && this.#answering !== undefined) this.#answered(this.#answering);
    this.flush();
  }

  /** Signals from the other side, already unsealed and of a current generation. */
  remote(gen: number, signals: readonly SignalData[]): void {
    const kept = this.#kept;
    if (kept) {
      const candidates = signals.filter((s) => s.type === 'candidate');
      kept.in.push(...candidates.slice(0, Math.max(0, KEPT_CANDIDATES_MAX - kept.in.length)));
      signals = signals.filter((s) => s.type !== 'candidate').map(addressless);
      if (signals.length === 0) return;
    }
    if (!this.#o.initiator) return this.#fromInitiator(gen, signals);
    for (const signal of signals) {
      // The answerer asks for a restart this way; an ICE restart is what any renegotiation needs here.
      if (signal.type === 'renegotiate') this.#o.onRestartRequested();
      else this.#o.signalPeer(signal);
    }
  }

  /**
   * Answering side: hands the initiator's signals to the peer one offer at a time. Offers can arrive in a
   * burst — a socket that died mid-outage delivers what it buffered once the network is back — and an offer
   * applied while the previous one is still being answered makes the answer fail, which destroys the peer.
   * So the newest offer waits (older waiting ones are dropped) until the answer is out.
   */
  #fromInitiator(gen: number, signals: readonly SignalData[]): void {
    this.gen = Math.max(this.gen, gen);
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
      this.#o.timers.schedule('answer', ANSWER_TIMEOUT_MS, () => this.#answered(gen));
    }
    for (const signal of signals) this.#o.signalPeer(signal);
  }

  /** The answer to `gen` is out (or never came); the waiting offer goes next. */
  #answered(gen: number): void {
    this.#o.timers.cancel('answer');
    this.#answering = undefined;
    this.#answeredGen = gen;
    const next = this.#nextOffer;
    this.#nextOffer = undefined;
    if (next) queueMicrotask(() => !this.#o.released() && this.#fromInitiator(next.gen, next.signals));
  }

  /**
   * Seals and sends, as one message, every signal gathered until the signaling chain gets to it (sealing is
   * asynchronous, so candidates trickling in meanwhile ride along). Signals wait while the socket is down.
   */
  flush(): void {
    const { relay, remoteId } = this.#o;
    relay.enqueue(async () => {
      while (this.#outgoing.length > 0 && relay.isOpen && !this.#o.released()) {
        // One message per generation: those of a generation since restarted are dropped on arrival.
        const gen = this.#outgoing[0]!.gen;
        const count = this.#outgoing.findIndex((t) => t.gen !== gen);
        const batch = this.#outgoing.splice(0, count === -1 ? this.#outgoing.length : count);
        // A restart offer made during a user's retry keeps saying so, even if it leaves after we connected.
        const retry = batch.some((t) => t.retry);
        const sent = await relay.send(
          remoteId,
          batch.map((t) => t.signal),
          gen,
          retry,
          this.serial ?? 0,
          // Anything made after our release says we are in the call now.
          batch.every((t) => t.staged),
        );
        if (this.#o.released()) return;
        if (!sent) this.#outgoing.unshift(...batch);
      }
    });
  }
}
