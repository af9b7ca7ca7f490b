import type { PeerConnectionState } from '../ports.js';

/** A pair that has shown no progress for this long is rebuilt (by its initiator), without touching the others. */
export const PAIR_CONNECT_MS = 10_000;
/** How many PAIR_CONNECT_MS rounds a pair whose ICE checks are under way gets before it is rebuilt anyway. */
export const PAIR_PATIENCE = 3;
/** Each rebuild of the same pair waits twice as long as the one before, this many times at most (10, 20, 40 s). */
export const PAIR_BACKOFF_DOUBLINGS = 2;
/** A pair whose peer connection failed is tried again after this, doubled on each failure in a row (to 16 s). */
export const PAIR_RETRY_MS = 1000;
const PAIR_RETRY_DOUBLINGS = 4;

/** What the watch knows of a pair's current attempt when it fires. */
export interface PairProgress {
  readonly now: number;
  /** When this attempt started (its offer was made, or sent on joining). */
  readonly startedAt: number;
  /** The pair's last step: our offer or answer made, a signal from the other side, a step of the connection. */
  readonly progressAt: number | undefined;
  /** The peer connection's own state: 'connecting' (or 'connected' before the channel opens) means ICE checks. */
  readonly connectionState: PeerConnectionState;
  /** Rounds of ICE patience spent so far. */
  readonly rounds: number;
  /** How long this attempt may go without progress (see PairAttempts.waitMs). */
  readonly waitMs: number;
  /** When the watch was due to fire: much later than that, our own page was held. */
  readonly dueAt: number;
}

/**
 * A watch that fires this much after it was due says our page was held (bench:mesh, 6 people: main threads
 * held 10-15 s): what the other side sent meanwhile may still be queued behind it, so it looks again shortly.
 */
export const PAIR_LATE_MS = 1000;
const PAIR_RECHECK_MS = 250;

export type PairVerdict = { readonly waitMs: number; readonly rounds: number } | 'rebuild';

/**
 * A pair still connecting when its watch fires: one that showed progress within the window gets a window
 * from that progress (on a starved machine an answer can take 10 s and more, and a rebuild then throws it
 * away for a slower start from scratch, over and over: bench:mesh, 6 people); one whose ICE checks are
 * under way gets PAIR_PATIENCE rounds (ICE ends the attempt by itself, and 'failed' retries the pair);
 * anything else is rebuilt.
 */
export function checkPair(p: PairProgress): PairVerdict {
  if (p.now - p.dueAt > PAIR_LATE_MS) return { waitMs: PAIR_RECHECK_MS, rounds: p.rounds };
  const quietMs = p.now - Math.max(p.startedAt, p.progressAt ?? p.startedAt);
  if (quietMs < p.waitMs) return { waitMs: p.waitMs - quietMs, rounds: p.rounds };
  const checking = p.connectionState === 'connecting' || p.connectionState === 'connected';
  if (checking && p.rounds + 1 < PAIR_PATIENCE) return { waitMs: p.waitMs, rounds: p.rounds + 1 };
  return 'rebuild';
}

/**
 * How many times in a row each pair has been rebuilt or retried: the next attempt backs off accordingly.
 * A pair that connects, or a person who leaves, starts again from nothing.
 */
export class PairAttempts {
  readonly #count = new Map<string, number>();

  /** How long the pair's next (or current) attempt may go without progress before it is rebuilt. */
  waitMs(id: string): number {
    return PAIR_CONNECT_MS * 2 ** Math.min(this.#count.get(id) ?? 0, PAIR_BACKOFF_DOUBLINGS);
  }

  /** How long to wait before trying a failed pair again. */
  retryMs(id: string): number {
    return PAIR_RETRY_MS * 2 ** Math.min(this.#count.get(id) ?? 0, PAIR_RETRY_DOUBLINGS);
  }

  /** The pair is being rebuilt (or retried after a failure). */
  failed(id: string): void {
    this.#count.set(id, (this.#count.get(id) ?? 0) + 1);
  }

  /** The pair connected, or the person left: the next attempt starts without a backoff. */
  reset(id: string): void {
    this.#count.delete(id);
  }
}
