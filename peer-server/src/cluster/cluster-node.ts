import { createHash } from 'node:crypto';
import { errorReason } from '../log.js';
import type { Cluster } from './cluster.js';
import type { ClaimResult, DirectoryEntry } from './peer-directory.js';
import type { Membership } from './presence.js';
import { RemoteRelay } from './remote-relay.js';
import type { BusFrame } from './signal-bus.js';

/** What the signal server does when the cluster has news for it. */
export interface ClusterHooks {
  /** A frame for a peer held here, from another instance (or from us through the bus). */
  deliver(dst: string, frame: BusFrame): void;
  /** `id` was taken over by registration `by` on another instance, which is in `room`. */
  replaced(id: string, by: string, room: string | undefined): void;
  /** A member of a dead instance was removed from its room. */
  reaped(membership: Membership): void;
  /** Frames from `src` (held here) to `dst` could not be delivered. */
  expire(src: string, dst: string): void;
  /** Room members held here, for their last-seen time. */
  members(): readonly Membership[];
  /** Ids held here, for their directory TTL. */
  ids(): readonly string[];
  /** Redis is back: make the shared state say again what this instance holds. */
  restored(): void;
  /** A cluster operation failed while Redis looked healthy. */
  error(operation: string, reason: string): void;
}

/**
 * The signal server's side of the cluster: claims and releases ids, relays frames to other instances in
 * order, keeps this instance's beat and its members' last-seen times, and reaps dead instances' members.
 */
export class ClusterNode {
  readonly relay: RemoteRelay;
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #beater: NodeJS.Timeout;
  #lastRenewal = 0;
  #sequence = 0;

  constructor(
    readonly cluster: Cluster,
    private readonly hooks: ClusterHooks,
  ) {
    this.relay = new RemoteRelay(cluster.bus, (src, dst) => hooks.expire(src, dst));
    cluster.bus.onMessage((dst, message) => {
      if (message.kind === 'frames') for (const frame of message.frames) hooks.deliver(dst, frame);
      else hooks.replaced(dst, message.by, message.room);
    });
    cluster.bus.onOnline((id) => this.relay.online(id));
    cluster.onRestored(() => hooks.restored());
    this.#beater = setInterval(() => this.#background('beat', this.#beat()), cluster.heartbeatMs);
    this.#beater.unref();
  }

  get distributed(): boolean {
    return this.cluster.distributed;
  }

  /** A name for one registration, unique across instances. */
  nextConnection(): string {
    return `${this.cluster.instanceId}/${(this.#sequence += 1)}`;
  }

  /**
   * Takes `id` for a registration here; tells the instance it was taken from, and subscribes to its
   * channel. While Redis is away the id is taken locally only (and claimed again when Redis is back).
   */
  async claim(id: string, entry: DirectoryEntry): Promise<ClaimResult> {
    let result: ClaimResult;
    try {
      result = await this.cluster.directory.claim(id, entry);
    } catch (error) {
      this.#failed('claim', error);
      result = { ok: true, replaced: undefined };
    }
    if (!result.ok) return result;
    const old = result.replaced;
    if (old && old.instance !== this.cluster.instanceId) {
      await this.cluster.bus
        .publish(id, { kind: 'replaced', by: entry.connection, room: entry.room })
        .catch((error: unknown) => this.#failed('publish', error));
    }
    await this.cluster.bus.subscribe(id).catch((error: unknown) => this.#failed('subscribe', error));
    return result;
  }

  /** The registration `connection` of `id` has gone from here. */
  release(id: string, connection: string): void {
    this.#background('release', this.cluster.directory.release(id, connection));
    this.#background('unsubscribe', this.cluster.bus.unsubscribe(id));
  }

  /** `id` is OPEN here: frames held for it on any instance can go. */
  online(id: string): void {
    this.relay.online(id);
    if (this.distributed) this.#background('announce', this.cluster.bus.announce(id));
  }

  joined(membership: Membership, connection: string): void {
    this.#background('presence', this.cluster.presence.joined(membership));
    this.#background('directory', this.cluster.directory.setRoom(membership.id, connection, membership.room));
  }

  left(membership: Membership, connection: string): void {
    this.#background('presence', this.cluster.presence.left(membership));
    this.#background('directory', this.cluster.directory.setRoom(membership.id, connection, undefined));
  }

  /** The live holder of `id` on any instance. */
  lookup(id: string): Promise<DirectoryEntry | undefined> {
    return this.cluster.directory.lookup(id);
  }

  /** Work that shutdown waits for (e.g. telling other instances' members of a LEAVE). */
  track(work: Promise<unknown>): void {
    this.#background('track', work);
  }

  /** Resolves when the background operations and publishes started so far have finished. */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
    for (const until = Date.now() + 1000; this.relay.busy && Date.now() < until;)
      await new Promise((resolve) => setTimeout(resolve, 10));
  }

  async close(): Promise<void> {
    clearInterval(this.#beater);
    await this.settled();
    await this.cluster.presence.retire().catch((error: unknown) => this.#failed('retire', error));
    await this.cluster.close();
  }

  async #beat(): Promise<void> {
    if (!this.distributed) return;
    await this.cluster.presence.beat(this.hooks.members());
    const now = Date.now();
    if (now - this.#lastRenewal >= this.cluster.directoryTtlMs / 3) {
      this.#lastRenewal = now;
      await this.cluster.directory.renew(this.hooks.ids());
    }
    // After an outage every live instance needs a beat before anyone may be called dead.
    if (this.cluster.upForMs < this.cluster.staleMs) return;
    for (const membership of await this.cluster.presence.reap()) this.hooks.reaped(membership);
  }

  #background(operation: string, work: Promise<unknown>): void {
    const tracked = work.catch((error: unknown) => this.#failed(operation, error));
    this.#inFlight.add(tracked);
    void tracked.finally(() => this.#inFlight.delete(tracked));
  }

  #failed(operation: string, error: unknown): void {
    // While Redis is away every operation fails; the outage itself is logged once.
    if (this.cluster.healthy) this.hooks.error(operation, errorReason(error));
  }
}

/** What the directory keeps of a token: enough to check one on any instance, useless to steal. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
