import { timingSafeEqual } from 'node:crypto';

/**
 * Ids whose socket closed, kept for their owner's token for the reconnect limit: a participant whose
 * signaling drops comes back with the same id and token, and nobody else may take the id meanwhile (the
 * stock PeerJS server frees it at once, so a close was enough to steal a host's id).
 */
export class IdReservations {
  readonly #held = new Map<string, { token: string; until: number }>();

  constructor(
    private readonly holdMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  reserve(id: string, token: string): void {
    this.#held.set(id, { token, until: this.now() + this.holdMs });
  }

  /** Whether `token` may register `id`: nobody holds it, or its owner is back (which ends the hold). */
  claim(id: string, token: string): boolean {
    const held = this.#held.get(id);
    if (!held) return true;
    if (held.until <= this.now()) {
      this.#held.delete(id);
      return true;
    }
    if (!sameToken(held.token, token)) return false;
    this.#held.delete(id);
    return true;
  }

  /** Forgets holds past their time. */
  sweep(): void {
    const now = this.now();
    for (const [id, held] of this.#held) if (held.until <= now) this.#held.delete(id);
  }

  get size(): number {
    return this.#held.size;
  }
}

/** Compares tokens in constant time, so that response timing says nothing about a stored token. */
export function sameToken(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
