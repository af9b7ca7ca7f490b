import type { DiyalogConfig } from '../config.js';
import type { Cluster } from './cluster.js';
import { MemoryPeerDirectory } from './memory-peer-directory.js';
import { MemorySignalBus } from './memory-signal-bus.js';
import { localPresence } from './presence.js';
import { RedisLink } from './redis-link.js';
import { RedisPeerDirectory } from './redis-peer-directory.js';
import { RedisPresence } from './redis-presence.js';
import { RedisSignalBus } from './redis-signal-bus.js';

export interface ClusterEvents {
  /** Redis went away (once per outage). */
  readonly onDown: (error: Error) => void;
  /** A bus message that is not ours. */
  readonly onBadMessage: () => void;
}

/** Redis when REDIS_URL is set (like the room store), else one process in memory. */
export function createCluster(config: DiyalogConfig, events: ClusterEvents): Cluster {
  const heartbeatMs = config.clusterHeartbeatMs;
  const staleMs = 3 * heartbeatMs;
  // Liveness decides first; the TTL only collects entries nobody released.
  const directoryTtlMs = 120_000;
  if (config.redisUrl === undefined) {
    const bus = new MemorySignalBus();
    return {
      kind: 'memory',
      instanceId: config.instanceId,
      distributed: false,
      directory: new MemoryPeerDirectory(),
      bus,
      presence: localPresence,
      heartbeatMs,
      staleMs,
      directoryTtlMs,
      healthy: true,
      upForMs: Infinity,
      onRestored: () => undefined,
      resubscribe: async () => undefined,
      open: async () => undefined,
      close: async () => undefined,
    };
  }
  const restored: (() => void)[] = [];
  const link = new RedisLink(config.redisUrl, {
    onError: events.onDown,
    onRestored: () => restored.forEach((listener) => listener()),
  });
  const prefix = 'diyalog:';
  const bus = new RedisSignalBus(link.commands, link.subscriber, prefix, events.onBadMessage);
  return {
    kind: 'redis',
    instanceId: config.instanceId,
    distributed: true,
    directory: new RedisPeerDirectory(link.commands, { prefix, staleMs, ttlMs: directoryTtlMs }),
    bus,
    presence: new RedisPresence(link.commands, {
      prefix,
      roomPrefix: 'diyalog:room:',
      instance: config.instanceId,
      staleMs,
    }),
    heartbeatMs,
    staleMs,
    directoryTtlMs,
    get healthy() {
      return link.healthy;
    },
    get upForMs() {
      return link.upForMs;
    },
    onRestored: (listener) => void restored.push(listener),
    resubscribe: () => bus.resubscribeAll(),
    open: async () => {
      await link.open();
      await bus.open();
    },
    close: () => link.close(),
  };
}
