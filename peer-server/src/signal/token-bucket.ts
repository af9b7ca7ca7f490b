/** A token bucket: `capacity` at once, refilled continuously at `refillPerSecond`. Starts full. */
export class TokenBucket {
  #tokens: number;
  #updatedAt: number;

  constructor(
    readonly capacity: number,
    readonly refillPerSecond: number,
    private readonly now: () => number = performance.now.bind(performance),
  ) {
    this.#tokens = capacity;
    this.#updatedAt = now();
  }

  /** Whether the bucket has refilled completely (nothing taken lately): it can be forgotten. */
  get full(): boolean {
    return this.#tokens + ((this.now() - this.#updatedAt) / 1000) * this.refillPerSecond >= this.capacity;
  }

  /** Takes `amount` tokens if there are that many; otherwise takes none. */
  take(amount = 1): boolean {
    const now = this.now();
    this.#tokens = Math.min(
      this.capacity,
      this.#tokens + ((now - this.#updatedAt) / 1000) * this.refillPerSecond,
    );
    this.#updatedAt = now;
    if (this.#tokens < amount) return false;
    this.#tokens -= amount;
    return true;
  }
}
