/** Whether a member got in, and who is in the room then (oldest member first, the newcomer included). */
export type JoinResult =
  | { readonly ok: true; readonly members: readonly string[] }
  | { readonly ok: false; readonly reason: 'full' };

export interface RoomStoreOptions {
  /** Most members at once; a member already in the room always gets back in. */
  readonly capacity: number;
  /** A room with no join, leave or touch for this long is forgotten, members and all. */
  readonly ttlSeconds: number;
}

/**
 * Room membership: who is in which room, shared by every server instance using the same store. Only ids are
 * kept; sockets and tokens stay in the process that holds them. Every change and touch restarts the TTL.
 */
export interface RoomStore {
  readonly kind: 'memory' | 'redis';
  /** Connects (Redis); resolves when the store can answer. */
  open(): Promise<void>;
  /** Adds `member` unless the room is full; atomic, so concurrent joins never overfill a room. */
  join(room: string, member: string): Promise<JoinResult>;
  /** Removes `member`; a room left empty disappears. */
  leave(room: string, member: string): Promise<void>;
  /** Members, oldest first; [] for an unknown or expired room. */
  members(room: string): Promise<readonly string[]>;
  /** Marks the room active, restarting its TTL. */
  touch(room: string): Promise<void>;
  close(): Promise<void>;
}
