/** A message on its way from `src` to `dst`; `data` is the frame exactly as the server will send it. */
export interface HeldMessage {
  readonly src: string;
  readonly dst: string;
  readonly data: string;
  /** The sender's room: delivered only to a destination in the same room (or none to none). */
  readonly room: string | undefined;
}

export interface PendingLimits {
  /** Messages held for one id that has not connected yet. */
  readonly perDestination: number;
  /** Bytes held for all such ids together… */
  readonly totalBytes: number;
  /** …of which one sender may hold this many: one flooder cannot fill the queue for everyone. */
  readonly perSenderBytes?: number;
  /** After this, the senders get EXPIRE and the messages are dropped (PeerJS waits 5 s too). */
  readonly expireMs: number;
}

export const DEFAULT_PENDING_LIMITS: PendingLimits = {
  perDestination: 64,
  totalBytes: 8 * 1024 * 1024,
  perSenderBytes: 512 * 1024,
  expireMs: 5000,
};

interface Queue {
  readonly since: number;
  readonly messages: HeldMessage[];
}

/**
 * Messages for ids that are not connected yet (a caller may dial a moment before the callee's socket opens),
 * bounded so that nobody can park memory here: the stock PeerJS server keeps such messages without limit.
 */
export class PendingMessages {
  readonly #queues = new Map<string, Queue>();
  #bytes = 0;
  readonly #bySender = new Map<string, number>();

  constructor(
    private readonly limits: PendingLimits = DEFAULT_PENDING_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Holds a message; false when the limits say no (the caller tells the sender EXPIRE). */
  add(message: HeldMessage): boolean {
    const queue = this.#queues.get(message.dst) ?? { since: this.now(), messages: [] };
    const bytes = message.data.length;
    const senderBytes = this.#bySender.get(message.src) ?? 0;
    if (
      queue.messages.length >= this.limits.perDestination ||
      this.#bytes + bytes > this.limits.totalBytes ||
      senderBytes + bytes > (this.limits.perSenderBytes ?? Infinity)
    )
      return false;
    queue.messages.push(message);
    this.#queues.set(message.dst, queue);
    this.#bytes += bytes;
    this.#bySender.set(message.src, senderBytes + bytes);
    return true;
  }

  /** Everything held for `dst`, oldest first, now removed. */
  take(dst: string): readonly HeldMessage[] {
    const queue = this.#queues.get(dst);
    if (!queue) return [];
    this.#drop(dst, queue);
    return queue.messages;
  }

  /** Drops queues older than the expiry; returns each distinct sender → destination pair to tell. */
  expire(): { src: string; dst: string }[] {
    const cutoff = this.now() - this.limits.expireMs;
    const expired = new Map<string, { src: string; dst: string }>();
    for (const [dst, queue] of this.#queues) {
      if (queue.since > cutoff) continue;
      this.#drop(dst, queue);
      for (const { src } of queue.messages) expired.set(`${src} ${dst}`, { src, dst });
    }
    return [...expired.values()];
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Bytes held from one sender. */
  bytesFrom(src: string): number {
    return this.#bySender.get(src) ?? 0;
  }

  #drop(dst: string, queue: Queue): void {
    this.#queues.delete(dst);
    for (const held of queue.messages) {
      this.#bytes -= held.data.length;
      const left = (this.#bySender.get(held.src) ?? 0) - held.data.length;
      if (left > 0) this.#bySender.set(held.src, left);
      else this.#bySender.delete(held.src);
    }
  }
}
