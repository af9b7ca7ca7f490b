import type { LeaveReason, SignalData } from './protocol.js';
import { leavePayload, relayTypeFor } from './protocol.js';
import { seal, SealError, unseal, type SealedSignals } from './seal.js';
import type { SignalingClient } from './signaling.js';

/**
 * The signaling path between participants: every payload sealed with the invite's key, and all of it handled
 * strictly in arrival order (sealing and unsealing are asynchronous). Links share one relay; the socket is
 * urgent while any of them needs it to recover.
 */
export class SealedRelay {
  readonly #signaling: SignalingClient;
  readonly #me: string;
  #key: CryptoKey | undefined;
  #chain: Promise<void> = Promise.resolve();
  readonly #urgent = new Set<string>();

  constructor(signaling: SignalingClient, me: string) {
    this.#signaling = signaling;
    this.#me = me;
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

  /** Seals one generation's signals for `to`; false when the socket is down (the caller keeps them). */
  async send(to: string, signals: SignalData[], gen: number, retry: boolean): Promise<boolean> {
    const body = { from: this.#me, to, signals, gen, ...(retry ? { retry } : {}) };
    const box = await seal(this.#key!, body);
    return this.#signaling.send(relayTypeFor(signals), to, box);
  }

  /** Opens a box from `sender`; undefined when it is not sealed for us with the invite's key. */
  async open(payload: unknown, sender: string): Promise<SealedSignals | undefined> {
    try {
      return await unseal(this.#key!, payload, { me: this.#me, sender });
    } catch (error) {
      if (error instanceof SealError || error instanceof SyntaxError) return undefined;
      throw error;
    }
  }

  leave(to: string, reason: LeaveReason): void {
    this.#signaling.send('LEAVE', to, leavePayload(reason));
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
