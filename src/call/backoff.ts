/**
 * Exponential backoff with jitter, for anything retried over the network (signaling sockets, ICE
 * restarts). Attempt n waits between half and all of min(cap, base · 2ⁿ): the jitter spreads the clients
 * a server restart disconnected all at once, and the floor of one half keeps the schedule predictable.
 */
export interface BackoffOptions {
  readonly baseMs: number;
  readonly capMs: number;
  /** A number in [0, 1); Math.random in production, a fixed sequence in tests. */
  readonly random?: () => number;
}

/** The signaling socket's schedule: 0.25 s, 0.5 s, 1 s, … up to 8 s (before jitter). */
export const SIGNALING_BACKOFF: BackoffOptions = { baseMs: 250, capMs: 8000 };

/** The delay before retry number `attempt` (0 for the first retry). */
export function backoffDelay(
  attempt: number,
  { baseMs, capMs, random = Math.random }: BackoffOptions,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** Counts attempts since the last success; `reset()` on success starts the schedule over. */
export class Backoff {
  #attempt = 0;

  constructor(readonly options: BackoffOptions) {}

  /** How many delays were handed out since the last reset. */
  get attempts(): number {
    return this.#attempt;
  }

  /** The next delay, never longer than `capMs` (a tighter cap while something urgent waits). */
  next(capMs = this.options.capMs): number {
    const delay = backoffDelay(this.#attempt, {
      ...this.options,
      capMs: Math.min(capMs, this.options.capMs),
    });
    this.#attempt += 1;
    return delay;
  }

  reset(): void {
    this.#attempt = 0;
  }
}
