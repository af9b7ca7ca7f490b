import { MAX_CHAT_MESSAGES } from './limits.js';

export interface ChatEntry {
  /** Unique in the log: the sender's id and its message id. */
  readonly key: string;
  readonly id: string;
  /** The participant who wrote it (undefined: us). */
  readonly from: string | undefined;
  /** The sender's name (undefined: us, or someone who gave none; the UI words both). */
  readonly name: string | undefined;
  /** The sender's clock when it was sent (ms since the epoch). */
  readonly at: number;
  readonly text: string;
  /** Participants it has not reached yet (ours only; empty: delivered to everyone). */
  readonly undelivered: readonly (string | undefined)[];
}

/**
 * The messages of one call in the order they reached us (our own in the order sent): the last
 * `limit` kept, each at most once however often it arrives.
 */
export class ChatLog {
  readonly #entries: ChatEntry[] = [];
  readonly #keys = new Set<string>();

  constructor(readonly limit: number = MAX_CHAT_MESSAGES) {}

  get entries(): readonly ChatEntry[] {
    return this.#entries;
  }

  has(key: string): boolean {
    return this.#keys.has(key);
  }

  /** Adds an entry unless one with its key is already kept; false for a duplicate. */
  add(entry: ChatEntry): boolean {
    if (this.#keys.has(entry.key)) return false;
    this.#entries.push(entry);
    this.#keys.add(entry.key);
    while (this.#entries.length > this.limit) this.#keys.delete(this.#entries.shift()!.key);
    return true;
  }

  /** Replaces the entry with `key` by `update(entry)` (its delivery marks change); false when gone. */
  update(key: string, update: (entry: ChatEntry) => ChatEntry): boolean {
    const index = this.#entries.findIndex((e) => e.key === key);
    if (index < 0) return false;
    this.#entries[index] = update(this.#entries[index]!);
    return true;
  }
}
