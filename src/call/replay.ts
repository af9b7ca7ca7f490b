/**
 * Replay protection for sealed boxes. Each sender seals with a random nonce made once per call and a count
 * that grows by one per box; a receiver keeps, per sender id, the nonce it first saw and the highest count,
 * and drops anything else: a duplicate, an older box, or one from an earlier call of the same id. Whoever
 * relays (the server, or someone on its path) can delay or drop boxes, but cannot make one count twice.
 */
export class ReplayGuard {
  readonly #senders = new Map<string, { nonce: string; seq: number }>();

  /** Whether a box from `sender` with this nonce and count is new; records it if so. */
  accept(sender: string, nonce: string | undefined, seq: number | undefined): boolean {
    if (nonce === undefined || seq === undefined || seq < 1) return false;
    const seen = this.#senders.get(sender);
    if (!seen) {
      this.#senders.set(sender, { nonce, seq });
      return true;
    }
    if (seen.nonce !== nonce || seq <= seen.seq) return false;
    seen.seq = seq;
    return true;
  }
}

/** The sending side: one nonce per call, and the next count. */
export class ReplayCounter {
  #seq = 0;

  constructor(readonly nonce: string) {}

  next(): number {
    this.#seq += 1;
    return this.#seq;
  }
}
