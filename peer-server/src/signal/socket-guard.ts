import { WebSocket } from 'ws';

export interface BufferLimits {
  /**
   * Bytes waiting for one reader that mean it is not reading: signaling is a few KB per call, so a reader
   * that cannot take this much for `stuckMs` has stopped (or is pinning our memory on purpose).
   */
  readonly stuckBytes: number;
  /** Bytes waiting for all readers together; past it, nobody's frames are queued for a reader that lags. */
  readonly totalBytes: number;
  /** A reader over `stuckBytes` this long has stopped reading: it is closed. */
  readonly stuckMs: number;
}

/**
 * Keeps what the server holds for readers that do not keep up within a server-wide budget. Each socket's
 * `bufferedAmount` is summed once a second; between sums, what we queue is added, so the estimate only errs
 * high. A reader that stays over `stuckBytes` for `stuckMs` is terminated, freeing what it pinned.
 */
export class BufferBudget {
  #measured = 0;
  #addedSinceSweep = 0;
  readonly #overSince = new Map<WebSocket, number>();

  constructor(
    private readonly limits: BufferLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether `bytes` more may be queued for `target` (which already lags when its buffer is not empty). */
  allows(target: WebSocket, bytes: number): boolean {
    if (target.bufferedAmount === 0) return true;
    return this.#measured + this.#addedSinceSweep + bytes <= this.limits.totalBytes;
  }

  /** Counts bytes handed to a socket that did not take them at once. */
  queued(target: WebSocket, bytes: number): void {
    if (target.bufferedAmount > 0) this.#addedSinceSweep += bytes;
  }

  /** Re-measures; returns the sockets that stayed over the soft limit too long (the caller closes them). */
  sweep(sockets: Iterable<WebSocket>): WebSocket[] {
    const now = this.now();
    let total = 0;
    const stuck: WebSocket[] = [];
    const seen = new Set<WebSocket>();
    for (const ws of sockets) {
      if (ws.readyState !== WebSocket.OPEN && ws.readyState !== WebSocket.CLOSING) continue;
      const buffered = ws.bufferedAmount;
      total += buffered;
      if (buffered <= this.limits.stuckBytes) continue;
      seen.add(ws);
      const since = this.#overSince.get(ws) ?? now;
      this.#overSince.set(ws, since);
      if (now - since >= this.limits.stuckMs) stuck.push(ws);
    }
    for (const ws of this.#overSince.keys()) if (!seen.has(ws)) this.#overSince.delete(ws);
    this.#measured = total;
    this.#addedSinceSweep = 0;
    return stuck;
  }

  /** Bytes waiting for readers at the last measure, plus what was queued since. */
  get bytes(): number {
    return this.#measured + this.#addedSinceSweep;
  }
}
