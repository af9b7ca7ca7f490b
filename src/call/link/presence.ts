import type { NamedTimers } from './named-timers.js';

/** After the server says the other side's socket closed, how long they have to answer a ping. */
export const GONE_CHECK_MS = 3000;

/**
 * Is the other side still there? The server says when their socket closed without a hang-up: a browser
 * killed, or only their signaling dropped (their media may be fine, and their socket comes back by itself).
 * A live link gives them a few seconds to answer a ping over the media path.
 */
export class Presence {
  constructor(
    private readonly named: NamedTimers,
    private readonly ping: () => void,
    private readonly gone: () => void,
  ) {}

  socketClosed(): void {
    if (this.named.has('gone-check')) return;
    this.named.schedule('gone-check', GONE_CHECK_MS, () => this.gone());
    this.ping();
  }

  /** Any answer from the other side ends the check. */
  answered(): void {
    this.named.cancel('gone-check');
  }
}
