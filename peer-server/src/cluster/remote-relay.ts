import { DEFAULT_PENDING_LIMITS, type PendingLimits } from '../signal/pending-messages.js';
import type { BusFrame, SignalBus } from './signal-bus.js';

interface QueuedFrame extends BusFrame {
  /** Whether to hold it while nobody holds the destination (LEAVE and room notices are not held). */
  readonly hold: boolean;
}

/** Frames on their way to one peer on another instance. */
interface Lane {
  /** Waiting for the publish in flight; they go together in the next one. */
  queue: QueuedFrame[];
  inFlight: boolean;
  /** Set while no instance holds the destination: since when its frames have been held. */
  heldSince: number | undefined;
}

/**
 * Relays frames to peers held by other instances. At most one publish per destination is in flight, and
 * frames that come meanwhile ride in the next one, so that frames from this instance arrive in the order
 * they were relayed even when a publish finds nobody and its frames must be held and sent again. Frames for
 * an id nobody holds wait (bounded, like PendingMessages) until it comes online or `expireMs` passes; then
 * each sender is reported once for EXPIRE.
 */
export class RemoteRelay {
  readonly #lanes = new Map<string, Lane>();
  #heldBytes = 0;

  constructor(
    private readonly bus: SignalBus,
    /** A sender whose frames to `dst` could not be delivered. */
    private readonly expire: (src: string, dst: string) => void,
    private readonly limits: PendingLimits = DEFAULT_PENDING_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  send(dst: string, frame: BusFrame, hold: boolean): void {
    const lane = this.#lanes.get(dst) ?? { queue: [], inFlight: false, heldSince: undefined };
    this.#lanes.set(dst, lane);
    if (lane.heldSince !== undefined) {
      if (hold) this.#hold(dst, lane, { ...frame, hold });
      return;
    }
    lane.queue.push({ ...frame, hold });
    this.#pump(dst, lane);
  }

  /** `id` registered somewhere: what is held for it goes now. */
  online(id: string): void {
    const lane = this.#lanes.get(id);
    if (lane?.heldSince === undefined || lane.inFlight) return;
    const since = lane.heldSince;
    this.#release(lane);
    this.#pump(id, lane, since);
  }

  /** Every second or so: tries held lanes again (an announcement may cross a publish), expires old ones. */
  sweep(): void {
    const cutoff = this.now() - this.limits.expireMs;
    for (const [dst, lane] of this.#lanes) {
      if (lane.heldSince === undefined || lane.inFlight) continue;
      if (lane.heldSince <= cutoff) {
        this.#lanes.delete(dst);
        this.#release(lane);
        for (const src of new Set(lane.queue.map((frame) => frame.src))) this.expire(src, dst);
        continue;
      }
      const since = lane.heldSince;
      this.#release(lane);
      this.#pump(dst, lane, since);
    }
  }

  /** Whether a publish is in flight. */
  get busy(): boolean {
    for (const lane of this.#lanes.values()) if (lane.inFlight) return true;
    return false;
  }

  /** Bytes held for ids nobody holds. */
  get heldBytes(): number {
    return this.#heldBytes;
  }

  #pump(dst: string, lane: Lane, heldSince?: number): void {
    if (lane.inFlight || lane.queue.length === 0) return;
    const batch = lane.queue.splice(0);
    lane.inFlight = true;
    const frames = batch.map(({ src, data, relay }) => ({ src, data, ...(relay ? { relay } : {}) }));
    this.bus.publish(dst, { kind: 'frames', frames }).then(
      (delivered) => this.#settle(dst, lane, batch, delivered, heldSince),
      () => this.#settle(dst, lane, batch, false, heldSince),
    );
  }

  #settle(dst: string, lane: Lane, batch: QueuedFrame[], delivered: boolean, heldSince?: number): void {
    lane.inFlight = false;
    if (delivered) {
      if (lane.queue.length > 0) this.#pump(dst, lane);
      else if (this.#lanes.get(dst) === lane) this.#lanes.delete(dst);
      return;
    }
    // Nobody holds dst: the batch and whatever came after it wait, in order.
    const later = lane.queue.splice(0);
    lane.heldSince = heldSince ?? this.now();
    for (const frame of [...batch, ...later]) if (frame.hold) this.#hold(dst, lane, frame);
    if (lane.queue.length === 0) this.#lanes.delete(dst);
  }

  #hold(dst: string, lane: Lane, frame: QueuedFrame): void {
    const bytes = frame.data.length;
    if (lane.queue.length >= this.limits.perDestination || this.#heldBytes + bytes > this.limits.totalBytes) {
      this.expire(frame.src, dst);
      return;
    }
    lane.queue.push(frame);
    this.#heldBytes += bytes;
  }

  #release(lane: Lane): void {
    for (const frame of lane.queue) this.#heldBytes -= frame.data.length;
    lane.heldSince = undefined;
  }
}
