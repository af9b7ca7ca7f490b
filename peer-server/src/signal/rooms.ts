import type { JoinResult, RoomStore } from '../store/room-store.js';

/**
 * Room membership as this instance sees it: the store (shared, with a TTL) plus which members are connected
 * here (to tell them about joins and leaves). Store writes that nobody waits for are tracked, so that
 * shutdown can let them finish before closing the store.
 */
export class Rooms {
  readonly #local = new Map<string, Set<string>>();
  readonly #touchedAt = new Map<string, number>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #touchEveryMs: number;

  constructor(
    private readonly store: RoomStore,
    ttlSeconds: number,
    private readonly onStoreError: (operation: string, error: unknown) => void,
    private readonly now: () => number = Date.now,
  ) {
    // Often enough that an active room never expires, rarely enough that heartbeats do not hammer Redis.
    this.#touchEveryMs = Math.min(60_000, (ttlSeconds * 1000) / 4);
  }

  /** Asks the store to add `id` (it may say the room is full); does not mark it connected here. */
  join(room: string, id: string): Promise<JoinResult> {
    return this.store.join(room, id);
  }

  /** Marks `id` as a member connected to this instance. */
  connect(room: string, id: string): void {
    let members = this.#local.get(room);
    if (!members) this.#local.set(room, (members = new Set()));
    members.add(id);
    this.#touchedAt.set(room, this.now());
  }

  /** Forgets that `id` is connected here; with `fromStore`, also removes it from the room itself. */
  disconnect(room: string, id: string, fromStore: boolean): void {
    const members = this.#local.get(room);
    members?.delete(id);
    if (members?.size === 0) {
      this.#local.delete(room);
      this.#touchedAt.delete(room);
    }
    if (fromStore) this.#background('leave', this.store.leave(room, id));
  }

  /** Removes `id` from the store only (a join that finished after its socket had gone). */
  forget(room: string, id: string): void {
    this.#background('leave', this.store.leave(room, id));
  }

  /** Members connected to this instance. */
  connectedHere(room: string): ReadonlySet<string> {
    return this.#local.get(room) ?? new Set();
  }

  /** Activity in a room: restarts its TTL, at most every quarter TTL (and at most every minute). */
  touch(room: string): void {
    const now = this.now();
    if (now - (this.#touchedAt.get(room) ?? 0) < this.#touchEveryMs) return;
    this.#touchedAt.set(room, now);
    this.#background('touch', this.store.touch(room));
  }

  members(room: string): Promise<readonly string[]> {
    return this.store.members(room);
  }

  /** Rooms with a member connected here. */
  get activeHere(): number {
    return this.#local.size;
  }

  /** Resolves when the store writes started so far have finished (or failed and been reported). */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
  }

  #background(operation: string, work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => this.onStoreError(operation, error));
    this.#inFlight.add(tracked);
    void tracked.finally(() => this.#inFlight.delete(tracked));
  }
}
