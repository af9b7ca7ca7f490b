import type { ClaimResult, DirectoryEntry, PeerDirectory } from './peer-directory.js';
import type { RedisClient } from './redis-link.js';
import { LIVE, NOW_MS } from './redis-scripts.js';

/** KEYS[1] the peer's hash, KEYS[2] the instances' last beats; ARGV stale ms, ttl ms, then the entry. */
const CLAIM = `${NOW_MS}
local instances, stale = KEYS[2], tonumber(ARGV[1])
${LIVE}
local old = redis.call('HMGET', KEYS[1], 'c', 'i', 't', 'r')
if old[1] and old[3] ~= ARGV[5] and live(old[2]) then return false end
redis.call('HSET', KEYS[1], 'c', ARGV[3], 'i', ARGV[4], 't', ARGV[5], 'r', ARGV[6])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if old[1] and live(old[2]) then return {old[1], old[2], old[3], old[4]} end
return {}
`;

/** KEYS[1] the peer's hash, KEYS[2] the instances' last beats; ARGV stale ms. */
const LOOKUP = `${NOW_MS}
local instances, stale = KEYS[2], tonumber(ARGV[1])
${LIVE}
local entry = redis.call('HMGET', KEYS[1], 'c', 'i', 't', 'r')
if entry[1] and live(entry[2]) then return entry end
return false
`;

/** KEYS[1] the peer's hash; ARGV connection, then the room ('' for none) or nothing to delete. */
const IF_HOLDER = `
if redis.call('HGET', KEYS[1], 'c') ~= ARGV[1] then return 0 end
if ARGV[2] then redis.call('HSET', KEYS[1], 'r', ARGV[2]) else redis.call('DEL', KEYS[1]) end
return 1
`;

export interface RedisDirectoryOptions {
  readonly prefix: string;
  /** An instance that has not beaten for this long is dead, and its entries count as absent. */
  readonly staleMs: number;
  /** Entries vanish this long after their last renewal (garbage collection; liveness decides first). */
  readonly ttlMs: number;
}

export class RedisPeerDirectory implements PeerDirectory {
  constructor(
    private readonly client: RedisClient,
    private readonly options: RedisDirectoryOptions,
  ) {}

  async claim(id: string, entry: DirectoryEntry): Promise<ClaimResult> {
    const reply = await this.client.eval(CLAIM, {
      keys: [this.#key(id), this.#instances],
      arguments: [
        String(this.options.staleMs),
        String(this.options.ttlMs),
        entry.connection,
        entry.instance,
        entry.tokenHash,
        entry.room ?? '',
      ],
    });
    if (reply === null) return { ok: false };
    return { ok: true, replaced: toEntry(reply as (string | null)[]) };
  }

  async lookup(id: string): Promise<DirectoryEntry | undefined> {
    const reply = await this.client.eval(LOOKUP, {
      keys: [this.#key(id), this.#instances],
      arguments: [String(this.options.staleMs)],
    });
    return reply === null ? undefined : toEntry(reply as (string | null)[]);
  }

  async setRoom(id: string, connection: string, room: string | undefined): Promise<void> {
    await this.client.eval(IF_HOLDER, { keys: [this.#key(id)], arguments: [connection, room ?? ''] });
  }

  async release(id: string, connection: string): Promise<void> {
    await this.client.eval(IF_HOLDER, { keys: [this.#key(id)], arguments: [connection] });
  }

  async renew(ids: readonly string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 1000) {
      const batch = this.client.multi();
      for (const id of ids.slice(i, i + 1000)) batch.pExpire(this.#key(id), this.options.ttlMs);
      await batch.execAsPipeline();
    }
  }

  get #instances(): string {
    return `${this.options.prefix}instances`;
  }

  #key(id: string): string {
    return `${this.options.prefix}peer:${id}`;
  }
}

function toEntry(fields: (string | null)[]): DirectoryEntry | undefined {
  const [connection, instance, tokenHash, room] = fields;
  if (!connection || !instance || tokenHash === null || tokenHash === undefined) return undefined;
  return { connection, instance, tokenHash, room: room ? room : undefined };
}
