import type { NamedTimers } from './named-timers.js';

/** After the server says the other side's socket closed, how long they have to answer a ping. */
export const GONE_CHECK_MS = 3000;

/**
 * Is the other side still there? The server says when their socket closed without a hang-up: a browser
 * killed, or only their signaling dropped (their media may be fine, and their socket comes back by itself).
 * A live link gives them a few seconds to answer a ping over the media path. One whose media still arrives
 * is there, whatever its socket did: a page held for seconds on a starved machine (bench:mesh, 6 people:
 * 10-15 s) answers no ping and drops its socket, while its browser keeps sending media; it is asked again
 * until it answers or its media stops. A killed browser's media stops at once: it is gone at the first check.
 */
export class Presence {
  constructor(
    private readonly named: NamedTimers,
    private readonly ping: () => void,
    private readonly gone: () => void,
    /** Whether the other side's media still arrives now (FlowWatch). */
    private readonly delivering: () => boolean,
  ) {}

  /** The server said their socket closed and they have not answered since. */
  get checking(): boolean {
    return this.named.has('gone-check');
  }

  socketClosed(): void {
    if (this.named.has('gone-check')) return;
    this.#check();
  }

  #check(): void {
    this.named.schedule('gone-check', GONE_CHECK_MS, () => (this.delivering() ? this.#check() : this.gone()));
    this.ping();
  }

  /** Any answer from the other side ends the check. */
  answered(): void {
    this.named.cancel('gone-check');
  }
}
