import type { DiyalogConfig } from '../config.js';
import { MemoryRoomStore } from './memory-room-store.js';
import { RedisRoomStore } from './redis-room-store.js';
import type { RoomStore } from './room-store.js';

/** Redis when REDIS_URL is set, else memory: `npm start` needs nothing else running. */
export function createRoomStore(config: DiyalogConfig, onError: (error: Error) => void): RoomStore {
  const options = { capacity: config.roomCapacity, ttlSeconds: config.roomTtlSeconds };
  return config.redisUrl === undefined
    ? new MemoryRoomStore(options)
    : new RedisRoomStore(config.redisUrl, { ...options, onError });
}
