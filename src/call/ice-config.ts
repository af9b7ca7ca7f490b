import type { FetchJson, Timers } from './ports.js';
import { parseIceServers, type IceServer } from './protocol.js';

/**
 * STUN/TURN servers from our server, fetched once registered (it hands TURN credentials only to registered
 * peers), with the reconnect limit it hands out alongside. A failure leaves host candidates only, which
 * still connect on one network.
 */
export class IceConfig {
  #servers: readonly IceServer[] = [];
  #fetchedAt = 0;
  #ttlMs = 0;
  #reconnectLimitMs: number | undefined;

  constructor(
    private readonly fetchJson: FetchJson | undefined,
    private readonly url: () => string,
    private readonly timers: Timers,
    /** The `Authorization` header that proves who asks (credentials stay out of the URL). */
    private readonly authorization?: () => string,
  ) {}

  get servers(): readonly IceServer[] {
    return this.#servers;
  }

  get ttlMs(): number {
    return this.#ttlMs;
  }

  /** What the server says a broken call may take to come back (undefined: it did not say). */
  get reconnectLimitMs(): number | undefined {
    return this.#reconnectLimitMs;
  }

  /** TURN credentials past half their life may expire during a long call. */
  get stale(): boolean {
    return this.#ttlMs > 0 && this.timers.now() - this.#fetchedAt > this.#ttlMs / 2;
  }

  /**
   * Fetches again; on failure keeps what it has (none at first, the last good ones on a refresh). Resolves to
   * the lifetime this fetch handed out (0: none, or it failed).
   */
  async load(): Promise<number> {
    if (!this.fetchJson) return 0;
    try {
      const answer = parseIceServers(await this.fetchJson(this.url(), this.authorization?.()));
      this.#servers = answer.iceServers;
      this.#fetchedAt = this.timers.now();
      this.#ttlMs = answer.ttlSeconds * 1000;
      if (answer.reconnectLimitSeconds !== undefined)
        this.#reconnectLimitMs = answer.reconnectLimitSeconds * 1000;
      return this.#ttlMs;
    } catch {
      return 0; // keep what we have
    }
  }
}
