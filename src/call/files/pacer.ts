import {
  CHUNK_BYTES,
  PACE_BASE_MS,
  PACE_BURST_BYTES,
  PACE_DECREASE,
  PACE_INCREASE_BYTES_PER_S,
  PACE_MIN_BYTES_PER_S,
  PACE_SLACK_MS,
} from './limits.js';

/**
 * A scavenger's rate for file bytes on one link while people chat on it: the sender times round trips on
 * the chat's own path (the control channel) and, while they grow more than PACE_SLACK_MS above their lowest
 * of the last PACE_BASE_MS, halves its rate (once per round trip); while they stay near it, adds
 * PACE_INCREASE_BYTES_PER_S per round trip (AIMD). Unlimited until the first slow round trip, and again after
 * `reset` (nobody chatting): a transfer nobody chats beside runs at full speed.
 */
export class Pacer {
  /** Bytes per second; Infinity: not paced. */
  #rate = Infinity;
  #tokens = PACE_BURST_BYTES;
  #refilledAt = 0;
  /** When the rate last went down: a round trip that started before it cannot judge it. */
  #decreasedAt = -Infinity;
  /** Round trips of the last PACE_BASE_MS: [when measured, ms]. */
  #rtts: [number, number][] = [];
  /** What was sent in the last second: [when, bytes] (the measured rate the first cut halves). */
  #sent: [number, number][] = [];

  get rate(): number {
    return this.#rate;
  }

  /** The lowest round trip of the last PACE_BASE_MS (Infinity: none yet). */
  base(now: number): number {
    this.#rtts = this.#rtts.filter(([at]) => now - at <= PACE_BASE_MS);
    return Math.min(...this.#rtts.map(([, ms]) => ms));
  }

  /** A round trip of `ms` that started at `since` ended now. */
  sample(since: number, now: number, ms: number): void {
    const slow = ms > this.base(now) + PACE_SLACK_MS;
    this.#rtts.push([now, ms]);
    if (slow) this.late(since, now);
    else if (this.#rate !== Infinity) this.#rate += PACE_INCREASE_BYTES_PER_S;
  }

  /** A round trip that started at `since` has taken longer than a slow one already (it may still end). */
  late(since: number, now: number): void {
    if (since < this.#decreasedAt) return;
    this.#refill(now);
    const from = this.#rate === Infinity ? this.#measured(now) : this.#rate;
    this.#rate = Math.max(PACE_MIN_BYTES_PER_S, from * PACE_DECREASE);
    this.#decreasedAt = now;
  }

  /** How long to wait (ms) before `bytes` may go; 0: now. */
  wait(now: number, bytes: number): number {
    if (this.#rate === Infinity) return 0;
    this.#refill(now);
    const need = Math.min(bytes, PACE_BURST_BYTES) - this.#tokens;
    return need <= 0 ? 0 : Math.max(1, Math.ceil((need * 1000) / this.#rate));
  }

  /** `bytes` went now. */
  took(now: number, bytes: number): void {
    this.#refill(now);
    if (this.#rate !== Infinity) this.#tokens -= bytes;
    this.#sent.push([now, bytes]);
    if (this.#sent.length > 256 || now - this.#sent[0]![0] > 1000)
      this.#sent = this.#sent.filter(([at]) => now - at <= 1000);
  }

  /** Nobody chats any more: full speed, and the round trips start over. */
  reset(): void {
    this.#rate = Infinity;
    this.#tokens = PACE_BURST_BYTES;
    this.#decreasedAt = -Infinity;
    this.#rtts = [];
  }

  #measured(now: number): number {
    const bytes = this.#sent.filter(([at]) => now - at <= 1000).reduce((sum, [, b]) => sum + b, 0);
    return Math.max(bytes, CHUNK_BYTES);
  }

  #refill(now: number): void {
    if (this.#rate !== Infinity)
      this.#tokens = Math.min(
        PACE_BURST_BYTES,
        this.#tokens + ((now - this.#refilledAt) * this.#rate) / 1000,
      );
    this.#refilledAt = now;
  }
}
