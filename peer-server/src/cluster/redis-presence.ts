import type { Membership, Presence } from './presence.js';
import type { RedisClient } from './redis-link.js';
import { LIVE, NOW_MS } from './redis-scripts.js';

/** KEYS[1] instances, KEYS[2] presence; ARGV this instance, then entries to mark seen now. */
const BEAT = `${NOW_MS}
if ARGV[1] ~= '' then redis.call('ZADD', KEYS[1], now, ARGV[1]) end
for i = 2, #ARGV do redis.call('ZADD', KEYS[2], now, ARGV[i]) end
return now
`;

/**
 * KEYS[1] instances, KEYS[2] presence; ARGV stale ms, peer key prefix, room key prefix, most entries,
 * reaped-set prefix.
 * Members last seen before the cutoff whose instance stopped beating leave their room, unless their id is
 * back on a live instance in the same room (then the membership is the new socket's). Returns room, id
 * pairs actually removed; ZREM makes each entry one reaper's, cluster-wide.
 */
const REAP = `${NOW_MS}
local instances, stale = KEYS[1], tonumber(ARGV[1])
${LIVE}
local removed = {}
local entries = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - stale, 'LIMIT', 0, tonumber(ARGV[4]))
for _, entry in ipairs(entries) do
  local instance, room, id = string.match(entry, '^(%S+) (%S+) (%S+)$')
  if not instance or live(instance) then
    -- A live instance refreshes every member it holds each beat: one it left stale is not its member (a
    -- leave whose ZREM failed while Redis was away). Dropped so that such leftovers never fill the LIMIT.
    redis.call('ZREM', KEYS[2], entry)
  else
    redis.call('ZREM', KEYS[2], entry)
    local holder = redis.call('HMGET', ARGV[2] .. id, 'i', 'r')
    local back = holder[1] and live(holder[1]) and holder[2] == room
    if not back and redis.call('HDEL', ARGV[3] .. room, id) == 1 then
      table.insert(removed, room)
      table.insert(removed, id)
      -- If the instance was only cut off, it finds out whom the rooms were told had left.
      redis.call('SADD', ARGV[5] .. instance, room .. ' ' .. id)
      redis.call('PEXPIRE', ARGV[5] .. instance, 3600000)
    end
  end
end
redis.call('ZREMRANGEBYSCORE', instances, '-inf', now - 100 * stale)
return removed
`;

export interface RedisPresenceOptions {
  readonly prefix: string;
  /** The room store's key prefix: reaped members are removed from their room's hash. */
  readonly roomPrefix: string;
  readonly instance: string;
  /** An instance silent this long is dead; members not seen this long may be reaped. */
  readonly staleMs: number;
}

const BATCH = 1000;

export class RedisPresence implements Presence {
  readonly #instances: string;
  readonly #presence: string;

  constructor(
    private readonly client: RedisClient,
    private readonly options: RedisPresenceOptions,
  ) {
    this.#instances = `${options.prefix}instances`;
    this.#presence = `${options.prefix}presence`;
  }

  async beat(members: readonly Membership[]): Promise<void> {
    const entries = members.map((member) => this.#entry(member));
    // The instance's own beat goes last: its members are fresh before it says it is alive.
    for (let i = 0; i < entries.length; i += BATCH) await this.#mark('', entries.slice(i, i + BATCH));
    await this.#mark(this.options.instance, []);
  }

  async joined(membership: Membership): Promise<void> {
    await this.#mark('', [this.#entry(membership)]);
  }

  async left(membership: Membership): Promise<void> {
    await this.client.zRem(this.#presence, this.#entry(membership));
  }

  async reap(): Promise<readonly Membership[]> {
    const reply = (await this.client.eval(REAP, {
      keys: [this.#instances, this.#presence],
      arguments: [
        String(this.options.staleMs),
        `${this.options.prefix}peer:`,
        this.options.roomPrefix,
        '500',
        `${this.options.prefix}reaped:`,
      ],
    })) as string[];
    const removed: Membership[] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) removed.push({ room: reply[i]!, id: reply[i + 1]! });
    return removed;
  }

  async takeReaped(): Promise<readonly Membership[]> {
    const key = `${this.options.prefix}reaped:${this.options.instance}`;
    const [entries] = (await this.client.multi().sMembers(key).del(key).exec()) as unknown as [string[]];
    return entries.flatMap((entry) => {
      const [room, id] = entry.split(' ');
      return room && id ? [{ room, id }] : [];
    });
  }

  async retire(): Promise<void> {
    await this.client.zRem(this.#instances, this.options.instance);
  }

  async #mark(instance: string, entries: readonly string[]): Promise<void> {
    await this.client.eval(BEAT, {
      keys: [this.#instances, this.#presence],
      arguments: [instance, ...entries],
    });
  }

  #entry({ room, id }: Membership): string {
    return `${this.options.instance} ${room} ${id}`;
  }
}
