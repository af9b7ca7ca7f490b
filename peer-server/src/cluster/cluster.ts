import type { PeerDirectory } from './peer-directory.js';
import type { Presence } from './presence.js';
import type { SignalBus } from './signal-bus.js';

/**
 * Where this instance finds peers held elsewhere: the directory, the bus and room presence, in memory for
 * one process (the default) or on Redis shared by every instance (with REDIS_URL).
 */
export interface Cluster {
  readonly kind: 'memory' | 'redis';
  /** This instance's name in the directory, in presence and in `/metrics` labels. */
  readonly instanceId: string;
  /** Whether other instances may hold peers (then relays and room notices go through the bus). */
  readonly distributed: boolean;
  readonly directory: PeerDirectory;
  readonly bus: SignalBus;
  readonly presence: Presence;
  /** How often this instance beats and refreshes its members' last-seen times. */
  readonly heartbeatMs: number;
  /** An instance silent this long is dead (3 beats). */
  readonly staleMs: number;
  /** Directory entries vanish this long after their last renewal. */
  readonly directoryTtlMs: number;
  /** False while Redis is away: local peers are still served. */
  readonly healthy: boolean;
  /** How long the shared state has been reachable without a break, in ms. */
  readonly upForMs: number;
  /** Redis is back after an outage. */
  onRestored(listener: () => void): void;
  /** Subscribes again to every id held here. */
  resubscribe(): Promise<void>;
  open(): Promise<void>;
  close(): Promise<void>;
}
