import type { LeaveReason, RelayType, SignalData } from './protocol.js';
import { leaveReasonOf, relayTypeFor } from './protocol.js';
import { ReplayCounter, ReplayGuard } from './replay.js';
import { seal, SealError, unseal, type Hello, type SealedSignals } from './seal.js';
import type { SignalingClient } from './signaling.js';

/**
 * The signaling path between participants: every payload sealed with the invite's key — hang-ups included —
 * numbered against replays (replay.ts), and all of it handled strictly in arrival order (sealing and
 * unsealing are asynchronous). Links share one relay; the socket is urgent while any of them needs it to
 * recover.
 */
export class SealedRelay {
  readonly #signaling: SignalingClient;
  readonly #me: string;
  #key: CryptoKey | undefined;
  #chain: Promise<void> = Promise.resolve();
  readonly #urgent = new Set<string>();
  readonly #counter: ReplayCounter;
  readonly #replay = new ReplayGuard();
  /** What we seal and send, strictly in order (see #sealAndSend); the socket stays open until it is out. */
  #out: Promise<boolean> = Promise.resolve(true);
  #leavesPending = 0;

  /** `nonce`: random, once per call, inside every box we seal. */
  constructor(signaling: SignalingClient, me: string, nonce: string) {
    this.#signaling = signaling;
    this.#me = me;
    this.#counter = new ReplayCounter(nonce);
  }

  setKey(key: CryptoKey): void {
    this.#key = key;
  }

  get isOpen(): boolean {
    return this.#signaling.isOpen;
  }

  /** Runs signaling work strictly in arrival order. */
  enqueue(task: () => Promise<void> | void): void {
    this.#chain = this.#chain.then(task).catch(() => undefined);
  }

  /**
   * Seals one generation's signals of one peer connection (`link`) for `to`; false when the socket is down
   * (the caller keeps them). `staged`: we are still on our preview (Negotiation.stage).
   */
  send(
    to: string,
    signals: SignalData[],
    gen: number,
    retry: boolean,
    link: number,
    staged = false,
  ): Promise<boolean> {
    return this.#sealAndSend(relayTypeFor(signals), to, {
      signals,
      gen,
      ...(retry ? { retry } : {}),
      link,
      ...(staged ? { staged } : {}),
    });
  }

  /** Says "I am in the call", or on my preview (sealed, so that only holders of the invite can say it). */
  hello(to: string, kind: Hello): void {
    void this.#sealAndSend('CANDIDATE', to, { signals: [], hello: kind }).catch(() => undefined);
  }

  /**
   * Opens a box from `sender`; undefined when it is not sealed for us with the invite's key, or is one seen
   * before (or older than one seen, or from an earlier call of that id): replays count for nothing.
   */
  async open(payload: unknown, sender: string): Promise<SealedSignals | undefined> {
    let body: SealedSignals;
    try {
      body = await unseal(this.#key!, payload, { me: this.#me, sender });
    } catch (error) {
      if (error instanceof SealError || error instanceof SyntaxError) return undefined;
      throw error;
    }
    return this.#replay.accept(sender, body.nonce, body.seq) ? body : undefined;
  }

  /** Tells `to` we leave (hang-up, or "busy"), sealed, so that nobody can say it for us. */
  leave(to: string, reason: LeaveReason): void {
    if (!this.#key) return;
    this.#leavesPending += 1;
    void this.#sealAndSend('LEAVE', to, { signals: [], leave: reason })
      .catch(() => undefined)
      .finally(() => (this.#leavesPending -= 1));
  }

  /**
   * Why `sender` left: a hang-up or "busy" only from a sealed box; unsealed, only the server's notice that
   * their socket closed (which the link checks with a ping before believing it).
   */
  async leaveReason(payload: unknown, sender: string): Promise<LeaveReason | undefined> {
    if (typeof payload === 'object' && payload !== null && 'ct' in payload)
      return (await this.open(payload, sender))?.leave;
    return leaveReasonOf(payload) === 'gone' ? 'gone' : undefined;
  }

  /** Whether a LEAVE is still being sealed; `settled()` resolves once every one is out (or failed). */
  get leaving(): boolean {
    return this.#leavesPending > 0;
  }

  settled(): Promise<void> {
    return this.#out.then(() => undefined);
  }

  /** Resolves once the signaling work queued so far has run and what it sent is out (or failed). */
  drained(): Promise<void> {
    return this.#chain.then(() => this.settled());
  }

  /**
   * Everything we send goes out in the order it was asked for, numbered as it goes: sealing is asynchronous,
   * and a receiver drops a box whose count is below one it has seen (replay.ts), so a hello, an offer and a
   * LEAVE to the same participant must leave in the order of their counts.
   */
  #sealAndSend(
    type: RelayType,
    to: string,
    content: Omit<SealedSignals, 'from' | 'to' | 'nonce' | 'seq'>,
  ): Promise<boolean> {
    const key = this.#key;
    const sent = this.#out.then(async () => {
      const body = { from: this.#me, to, ...content, nonce: this.#counter.nonce, seq: this.#counter.next() };
      return this.#signaling.send(type, to, await seal(key!, body));
    });
    this.#out = sent.catch(() => false);
    return sent;
  }

  /** A link that waits on signaling to recover its media asks for fast reconnects; any one of them is enough. */
  setUrgent(who: string, urgent: boolean): void {
    if (urgent) this.#urgent.add(who);
    else this.#urgent.delete(who);
    this.#signaling.setUrgent(this.#urgent.size > 0);
  }

  probe(): void {
    this.#signaling.probe();
  }
}
