/** Who holds a peer id: one WebSocket on one instance. */
export interface DirectoryEntry {
  /** This registration's own id (`<instance>/<n>`), so that a late release never removes a newer holder. */
  readonly connection: string;
  readonly instance: string;
  /** SHA-256 of the peer's token: enough to authenticate API calls on any instance, useless to steal. */
  readonly tokenHash: string;
  /** The room it is in, if any (for `/api/rooms/:room/members`). */
  readonly room: string | undefined;
}

export type ClaimResult =
  /** `replaced`: the registration this one took over (same token), wherever it was. */
  | { readonly ok: true; readonly replaced: DirectoryEntry | undefined }
  /** A live registration with another token holds the id. */
  | { readonly ok: false };

/**
 * Which instance holds which peer id. Entries carry a TTL that the holding instance renews; an entry whose
 * instance stopped beating counts as absent at once, so ids held by a dead instance are free again.
 */
export interface PeerDirectory {
  /** Registers `entry` unless a live holder with another token has the id (atomic across instances). */
  claim(id: string, entry: DirectoryEntry): Promise<ClaimResult>;
  /** The live holder of `id`, if any. */
  lookup(id: string): Promise<DirectoryEntry | undefined>;
  /** Records the room of a registration that is still the holder. */
  setRoom(id: string, connection: string, room: string | undefined): Promise<void>;
  /** Removes the entry if `connection` still holds it. */
  release(id: string, connection: string): Promise<void>;
  /** Restarts the TTL of entries this instance holds. */
  renew(ids: readonly string[]): Promise<void>;
}
