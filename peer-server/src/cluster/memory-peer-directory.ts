import type { ClaimResult, DirectoryEntry, PeerDirectory } from './peer-directory.js';

/** The single-process directory: every holder is this process, so entries never outlive their socket. */
export class MemoryPeerDirectory implements PeerDirectory {
  readonly #entries = new Map<string, DirectoryEntry>();

  async claim(id: string, entry: DirectoryEntry): Promise<ClaimResult> {
    const old = this.#entries.get(id);
    if (old && old.tokenHash !== entry.tokenHash) return { ok: false };
    this.#entries.set(id, entry);
    return { ok: true, replaced: old };
  }

  async lookup(id: string): Promise<DirectoryEntry | undefined> {
    return this.#entries.get(id);
  }

  async setRoom(id: string, connection: string, room: string | undefined): Promise<void> {
    const entry = this.#entries.get(id);
    if (entry?.connection === connection) this.#entries.set(id, { ...entry, room });
  }

  async release(id: string, connection: string): Promise<void> {
    if (this.#entries.get(id)?.connection === connection) this.#entries.delete(id);
  }

  async renew(): Promise<void> {}
}
