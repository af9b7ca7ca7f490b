import type { TimerHandle, Timers } from '../ports.js';
import { PACE_SLACK_MS, PROBE_EVERY_MS } from './limits.js';
import { Pacer } from './pacer.js';

/** A ping not answered within this long is given up, and the next one goes. */
const PROBE_GIVE_UP_MS = 2000;

export interface ChatPacingOptions {
  readonly timers: Timers;
  /** Whether to pace now: people chat on the link and we send its peer a file. */
  readonly wanted: () => boolean;
  /** Sends the peer a ping numbered `n` (negative: the link's own pings are positive). */
  readonly ping: (n: number) => void;
  /** A paced sender may go on (its pause is over, or pacing stopped). */
  readonly wake: () => void;
}

/**
 * One link's file bytes as a scavenger while people chat on it: a round trip on the chat's path (a ping on
 * the control channel) is timed every PROBE_EVERY_MS, and the Pacer sets the file's rate by them. One slower
 * than a slow one already backs off at once (its answer may be long in coming). Nobody chatting, or nothing
 * to send: it stops, and the file goes at full speed.
 */
export class ChatPacing {
  readonly pacer = new Pacer();
  readonly #o: ChatPacingOptions;
  /** The round trip being timed: our ping's number, when it went, and whether it was judged slow already. */
  #probe: { n: number; at: number; late: boolean } | undefined;
  #probes = 0;
  /** Times a round trip every PROBE_EVERY_MS while pacing is wanted. */
  #probing: TimerHandle | undefined;
  /** Wakes a paced sender. */
  #pausing: TimerHandle | undefined;

  constructor(options: ChatPacingOptions) {
    this.#o = options;
  }

  /** Starts timing round trips, if pacing is wanted and they are not timed already. */
  start(): void {
    if (this.#probing !== undefined || !this.#o.wanted()) return;
    this.#probing = this.#o.timers.setInterval(() => this.#tick(), PROBE_EVERY_MS);
    this.#tick();
  }

  /** The peer's answer to ping `n`: a round trip, if it is the one being timed. */
  pong(n: number): void {
    const probe = this.#probe;
    if (!probe || n !== probe.n) return;
    this.#probe = undefined;
    const now = this.#o.timers.now();
    this.pacer.sample(probe.at, now, now - probe.at);
  }

  /** The sender waits `ms` before its next bytes: `wake` then (one pause at a time). */
  pause(ms: number): void {
    this.#pausing ??= this.#o.timers.setTimeout(() => {
      this.#pausing = undefined;
      this.#o.wake();
    }, ms);
  }

  stop(): void {
    if (this.#probing !== undefined) this.#o.timers.clearInterval(this.#probing);
    if (this.#pausing !== undefined) this.#o.timers.clearTimeout(this.#pausing);
    this.#probing = undefined;
    this.#pausing = undefined;
    this.#probe = undefined;
    this.pacer.reset();
  }

  #tick(): void {
    if (!this.#o.wanted()) {
      this.stop();
      this.#o.wake();
      return;
    }
    const now = this.#o.timers.now();
    const probe = this.#probe;
    if (probe) {
      const age = now - probe.at;
      if (!probe.late && age > this.pacer.base(now) + PACE_SLACK_MS) {
        probe.late = true;
        this.pacer.late(probe.at, now);
      }
      if (age < PROBE_GIVE_UP_MS) return;
    }
    this.#probes = (this.#probes % 0x7fffffff) + 1;
    this.#probe = { n: -this.#probes, at: now, late: false };
    this.#o.ping(-this.#probes);
  }
}
