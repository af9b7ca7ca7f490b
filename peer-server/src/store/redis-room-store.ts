import { createClient } from 'redis';
import type { JoinResult, RoomStore, RoomStoreOptions } from './room-store.js';

/**
 * KEYS[1] the room's hash (member → joinedAt in µs of Redis's clock, one clock for every instance); ARGV
 * member, capacity, ttl. One script, so that the capacity check and the insert are atomic across server
 * instances. Returns nil when full, else HGETALL.
 */
const JOIN_SCRIPT = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[2]) then return false end
  local now = redis.call('TIME')
  redis.call('HSET', KEYS[1], ARGV[1], now[1] .. string.format('%06d', tonumber(now[2])))
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return redis.call('HGETALL', KEYS[1])
`;

export interface RedisRoomStoreOptions extends RoomStoreOptions {
  /** Keys are `<prefix><room>`, so that a shared Redis keeps ours apart. */
  readonly keyPrefix?: string;
  /** Connection trouble after startup; the client keeps reconnecting meanwhile. */
  readonly onError?: (error: Error) => void;
}

/** Rooms as Redis hashes with a TTL: they survive a restart and are shared by instances on one Redis. */
export class RedisRoomStore implements RoomStore {
  readonly kind = 'redis';
  readonly #client;
  readonly #prefix: string;
  #connected = false;

  constructor(
    url: string,
    private readonly options: RedisRoomStoreOptions,
  ) {
    this.#prefix = options.keyPrefix ?? 'diyalog:room:';
    this.#client = createClient({
      url,
      // Fail at once while Redis is away instead of queueing commands for a reconnect that may never come.
      disableOfflineQueue: true,
      socket: {
        connectTimeout: 5000,
        // At startup give up quickly (main.ts says why); later keep retrying, backing off to 5 s.
        reconnectStrategy: (retries, cause) =>
          this.#connected ? Math.min(100 * 2 ** retries, 5000) : retries >= 2 ? cause : 200,
      },
    });
    // Without a listener, a connection error would throw out of the EventEmitter and end the process.
    this.#client.on('error', (error: Error) => {
      if (this.#connected) options.onError?.(error);
    });
  }

  async open(): Promise<void> {
    try {
      await this.#client.connect();
    } catch (error) {
      // The client wraps the socket's error (ECONNREFUSED, ENOTFOUND…), which is the one worth reporting.
      throw (error as { socketError?: unknown }).socketError ?? error;
    }
    this.#connected = true;
  }

  async join(room: string, member: string): Promise<JoinResult> {
    const reply = await this.#client.eval(JOIN_SCRIPT, {
      keys: [this.#key(room)],
      arguments: [member, String(this.options.capacity), String(this.options.ttlSeconds)],
    });
    if (reply === null) return { ok: false, reason: 'full' };
    const flat = reply as string[];
    const joinedAt: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) joinedAt[flat[i]!] = flat[i + 1]!;
    return { ok: true, members: byJoinTime(joinedAt) };
  }

  async leave(room: string, member: string): Promise<void> {
    const key = this.#key(room);
    // Redis deletes a hash when its last field goes, so an empty room disappears by itself.
    await this.#client.multi().hDel(key, member).expire(key, this.options.ttlSeconds).exec();
  }

  async members(room: string): Promise<readonly string[]> {
    return byJoinTime(await this.#client.hGetAll(this.#key(room)));
  }

  async touch(room: string): Promise<void> {
    await this.#client.expire(this.#key(room), this.options.ttlSeconds);
  }

  async close(): Promise<void> {
    this.#connected = false;
    if (this.#client.isOpen) await this.#client.close();
  }

  #key(room: string): string {
    return `${this.#prefix}${room}`;
  }
}

function byJoinTime(joinedAt: Record<string, string>): string[] {
  return Object.entries(joinedAt)
    .sort(([a, at], [b, bt]) => Number(at) - Number(bt) || (a < b ? -1 : a > b ? 1 : 0))
    .map(([member]) => member);
}
