import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisPresence } from '../../../peer-server/src/cluster/redis-presence.js';
import { startRedis, type RunningRedis } from '../../support/redis.js';

let redis: RunningRedis;
let client: ReturnType<typeof createClient>;
beforeAll(async () => {
  redis = await startRedis();
  client = createClient({ url: redis.url });
  await client.connect();
});
afterAll(async () => {
  await client?.close();
  await redis?.stop();
});

const STALE_MS = 300;
const presence = (instance: string, prefix = 'p:') =>
  new RedisPresence(client, { prefix, roomPrefix: `${prefix}room:`, instance, staleMs: STALE_MS });

describe('Redis presence', () => {
  it('reaps the members of an instance that stopped beating, once, and tells its instance whom', async () => {
    const live = presence('live');
    const dead = presence('dead');
    await client.hSet('p:room:r1', { alice: '1', bob: '2' });
    await live.beat([{ room: 'r1', id: 'alice' }]);
    await dead.beat([{ room: 'r1', id: 'bob' }]);
    expect(await live.reap()).toEqual([]); // nobody is stale yet
    await new Promise((resolve) => setTimeout(resolve, STALE_MS + 100));
    await live.beat([{ room: 'r1', id: 'alice' }]);
    expect(await live.reap()).toEqual([{ room: 'r1', id: 'bob' }]);
    expect(await live.reap()).toEqual([]); // each member is reaped by one reaper, once
    expect(Object.keys(await client.hGetAll('p:room:r1'))).toEqual(['alice']);
    // The dead instance, back after all, learns whom its rooms were told had left; then it is forgotten.
    expect(await dead.takeReaped()).toEqual([{ room: 'r1', id: 'bob' }]);
    expect(await dead.takeReaped()).toEqual([]);
  });

  it('drops stale entries a live instance left behind without touching their room', async () => {
    // Keys of their own: the first test's instances are dead by now.
    const live = presence('busy', 'q:');
    await client.hSet('q:room:r2', { carol: '1' });
    await live.joined({ room: 'r2', id: 'carol' }); // its leave's ZREM was lost: never refreshed again
    await new Promise((resolve) => setTimeout(resolve, STALE_MS + 100));
    await live.beat([]);
    expect(await live.reap()).toEqual([]);
    expect(await client.zScore('q:presence', 'busy r2 carol')).toBeNull();
    expect(await client.hGetAll('q:room:r2')).toEqual({ carol: '1' });
  });
});
