/** A room member held by some instance. */
export interface Membership {
  readonly room: string;
  readonly id: string;
}

/**
 * Room presence that outlives a crashed instance: every instance beats for itself and refreshes the
 * last-seen time of the room members it holds; any live instance removes the members of an instance that
 * stopped beating from their rooms. Redis 7.0 has no per-field expiry (HEXPIRE is 7.4), so last-seen times
 * are scores in a sorted set and the removal is a script, not a TTL.
 */
export interface Presence {
  /** This instance is alive and holds `members`: their last-seen time is now. */
  beat(members: readonly Membership[]): Promise<void>;
  joined(membership: Membership): Promise<void>;
  left(membership: Membership): Promise<void>;
  /** Removes from their rooms the members of instances that stopped beating; each is returned once, cluster-wide. */
  reap(): Promise<readonly Membership[]>;
  /** Members of this instance that others reaped while it could not beat (now forgotten): their rooms heard LEAVE. */
  takeReaped(): Promise<readonly Membership[]>;
  /** A graceful stop: forget this instance. */
  retire(): Promise<void>;
}

/** One process holds every member: nobody else can die with members of ours. */
export const localPresence: Presence = {
  beat: async () => undefined,
  joined: async () => undefined,
  left: async () => undefined,
  reap: async () => [],
  takeReaped: async () => [],
  retire: async () => undefined,
};
