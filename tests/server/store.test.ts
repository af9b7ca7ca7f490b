import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRoomStore } from '../../peer-server/src/store/memory-room-store.js';
import { RedisRoomStore } from '../../peer-server/src/store/redis-room-store.js';
import type { RoomStore, RoomStoreOptions } from '../../peer-server/src/store/room-store.js';
import { startRedis, type RunningRedis } from '../support/redis.js';

let redis: RunningRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

let prefixCounter = 0;
const implementations: [string, (options: RoomStoreOptions) => RoomStore][] = [
  ['memory', (options) => new MemoryRoomStore(options)],
  [
    'redis',
    // A prefix per store, so that tests never see each other's rooms.
    (options) => new RedisRoomStore(redis.url, { ...options, keyPrefix: `test${++prefixCounter}:room:` }),
  ],
];

describe.each(implementations)('the %s room store', (_name, create) => {
  const opened: RoomStore[] = [];
  async function open(options: Partial<RoomStoreOptions> = {}): Promise<RoomStore> {
    const store = create({ capacity: 3, ttlSeconds: 60, ...options });
    await store.open();
    opened.push(store);
    return store;
  }
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
  });

  it('lists members in join order, the newcomer included; joining again changes nothing', async () => {
    const store = await open();
    expect(await store.join('r1', 'alice')).toEqual({ ok: true, members: ['alice'] });
    expect(await store.join('r1', 'bob')).toEqual({ ok: true, members: ['alice', 'bob'] });
    expect(await store.join('r1', 'alice')).toEqual({ ok: true, members: ['alice', 'bob'] });
    expect(await store.members('r1')).toEqual(['alice', 'bob']);
    expect(await store.members('r2')).toEqual([]);
  });

  it('refuses a newcomer when the room is full, but lets a member back in', async () => {
    const store = await open({ capacity: 2 });
    await store.join('r1', 'alice');
    await store.join('r1', 'bob');
    expect(await store.join('r1', 'carol')).toEqual({ ok: false, reason: 'full' });
    expect(await store.join('r1', 'bob')).toEqual({ ok: true, members: ['alice', 'bob'] });
    expect(await store.join('r2', 'carol')).toEqual({ ok: true, members: ['carol'] });
    await store.leave('r1', 'alice');
    expect(await store.join('r1', 'carol')).toEqual({ ok: true, members: ['bob', 'carol'] });
  });

  it('never overfills a room under concurrent joins', async () => {
    const store = await open({ capacity: 3 });
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => store.join('crowded', `peer${i}`)),
    );
    expect(results.filter((result) => result.ok)).toHaveLength(3);
    expect(await store.members('crowded')).toHaveLength(3);
  });

  it('removes members on leave; leaving twice or leaving an unknown room is harmless', async () => {
    const store = await open();
    await store.join('r1', 'alice');
    await store.join('r1', 'bob');
    await store.leave('r1', 'alice');
    await store.leave('r1', 'alice');
    await store.leave('nowhere', 'alice');
    expect(await store.members('r1')).toEqual(['bob']);
    await store.leave('r1', 'bob');
    expect(await store.members('r1')).toEqual([]);
    expect(await store.join('r1', 'carol')).toEqual({ ok: true, members: ['carol'] });
  });
});

/** The TTL contract for every store at once: it takes seconds of real time, and they can share them. */
describe('room TTL, for the memory and redis stores together', () => {
  it('forgets a room after its TTL without activity; touch and join restart the TTL', async () => {
    const stores = await Promise.all(
      implementations.map(async ([name, create]) => {
        const store = create({ capacity: 3, ttlSeconds: 2 });
        await store.open();
        return { name, store };
      }),
    );
    try {
      await Promise.all(
        stores.map(({ name, store }) =>
          ttlScenario(store).catch((error: Error) => {
            throw new Error(`${name} store: ${error.message}`);
          }),
        ),
      );
    } finally {
      await Promise.all(stores.map(({ store }) => store.close()));
    }
  });
});

/** Checks that a room is still there leave ≥ 0.6 s of slack for a loaded machine. */
async function ttlScenario(store: RoomStore): Promise<void> {
  await store.join('idle', 'alice');
  await store.join('busy', 'bob');
  await sleep(1200);
  await store.touch('busy');
  await store.touch('never-existed'); // creates nothing
  await sleep(1000);
  expect(await store.members('idle')).toEqual([]);
  expect(await store.members('busy')).toEqual(['bob']);
  expect(await store.members('never-existed')).toEqual([]);
  await store.join('busy', 'carol');
  await sleep(1400); // past the touch's expiry: only the join kept the room
  expect(await store.members('busy')).toEqual(['bob', 'carol']);
  await sleep(800);
  expect(await store.members('busy')).toEqual([]);
  // An expired room is a fresh one.
  expect(await store.join('idle', 'dave')).toEqual({ ok: true, members: ['dave'] });
}

describe('the redis room store', () => {
  it('keeps a room in one hash of member → join time, with a TTL', async () => {
    const store = new RedisRoomStore(redis.url, { capacity: 6, ttlSeconds: 120, keyPrefix: 'inspect:' });
    await store.open();
    await store.join('r1', 'alice');
    const { createClient } = await import('redis');
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      const hash = await client.hGetAll('inspect:r1');
      expect(Object.keys(hash)).toEqual(['alice']);
      expect(Number(hash.alice) / 1000).toBeGreaterThan(Date.now() - 60_000);
      expect(await client.ttl('inspect:r1')).toBeGreaterThan(100);
    } finally {
      await client.close();
      await store.close();
    }
  });

  it('fails fast at open when Redis is not there', async () => {
    const store = new RedisRoomStore('redis://127.0.0.1:1', { capacity: 6, ttlSeconds: 60 });
    await expect(store.open()).rejects.toThrow(/ECONNREFUSED/);
    await store.close();
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
