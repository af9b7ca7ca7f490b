import { NamedTimers } from '../link/named-timers.js';
import type { Timers } from '../ports.js';

/**
 * How long a group call still connecting waits for someone whose signaling socket dropped (LEAVE 'gone')
 * while our pair with them was still connecting: the call's connect time (20 s), the same grace our own
 * signaling gets while connecting before the call fails ('server-unreachable'). A page held on a starved
 * machine drops its socket and is back 10-15 s later (bench:mesh, 6 people); its first reconnect follows
 * its release within 0.25 s (the signaling backoff starts there).
 */
export const AWAY_MS = 20_000;

/** People whose socket dropped while our pair with them was still connecting, each with a deadline. */
export class Away {
  readonly #deadlines: NamedTimers;

  constructor(timers: Timers) {
    this.#deadlines = new NamedTimers(timers);
  }

  has(id: string): boolean {
    return this.#deadlines.has(id);
  }

  /** Waits for `id` (from the first drop on): `gone` runs if they are not back within AWAY_MS. */
  start(id: string, gone: () => void): void {
    if (!this.#deadlines.has(id)) this.#deadlines.schedule(id, AWAY_MS, gone);
  }

  /** They are back (a signal, or their socket registered again): no deadline any more. */
  back(id: string): boolean {
    const waited = this.#deadlines.has(id);
    this.#deadlines.cancel(id);
    return waited;
  }

  clear(): void {
    this.#deadlines.clear();
  }
}
