import type { JoinResult, RoomStore, RoomStoreOptions } from './room-store.js';

interface Room {
  /** member → joinedAt; a Map keeps join order. */
  readonly members: Map<string, number>;
  expiresAt: number;
}

/** The embedded default: rooms live as long as this process, and nothing else needs to run. */
export class MemoryRoomStore implements RoomStore {
  readonly kind = 'memory';
  readonly #rooms = new Map<string, Room>();
  #sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: RoomStoreOptions,
    private readonly now: () => number = Date.now,
  ) {}

  async open(): Promise<void> {
    // Expired rooms are also dropped when read; the sweep only returns their memory.
    this.#sweeper = setInterval(() => this.#sweep(), Math.min(this.options.ttlSeconds, 60) * 1000);
    this.#sweeper.unref();
  }

  async join(room: string, member: string): Promise<JoinResult> {
    const now = this.now();
    const state = this.#live(room) ?? { members: new Map<string, number>(), expiresAt: 0 };
    if (!state.members.has(member)) {
      if (state.members.size >= this.options.capacity) return { ok: false, reason: 'full' };
      state.members.set(member, now);
    }
    state.expiresAt = now + this.options.ttlSeconds * 1000;
    this.#rooms.set(room, state);
    return { ok: true, members: [...state.members.keys()] };
  }

  async leave(room: string, member: string): Promise<void> {
    const state = this.#live(room);
    if (!state) return;
    state.members.delete(member);
    if (state.members.size === 0) this.#rooms.delete(room);
    else state.expiresAt = this.now() + this.options.ttlSeconds * 1000;
  }

  async members(room: string): Promise<readonly string[]> {
    return [...(this.#live(room)?.members.keys() ?? [])];
  }

  async touch(room: string): Promise<void> {
    const state = this.#live(room);
    if (state) state.expiresAt = this.now() + this.options.ttlSeconds * 1000;
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    this.#rooms.clear();
  }

  #live(room: string): Room | undefined {
    const state = this.#rooms.get(room);
    if (state && state.expiresAt <= this.now()) {
      this.#rooms.delete(room);
      return undefined;
    }
    return state;
  }

  #sweep(): void {
    for (const room of this.#rooms.keys()) this.#live(room);
  }
}
