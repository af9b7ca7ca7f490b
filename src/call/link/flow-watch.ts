import type { TimerHandle, Timers } from '../ports.js';

/** How often the inbound media counters are read. */
export const FLOW_POLL_MS = 250;
/** No inbound media for this long says the connection is unstable (ICE takes ~9 s to say anything). */
export const STALL_NOTICE_MS = 1000;

export interface FlowWatchOptions {
  /** PeerMedia.receivedBytes (undefined: a connection without media, never watched). */
  readonly receivedBytes: () => Promise<number> | undefined;
  readonly timers: Timers;
  /** Nothing has arrived since `since` (the end of the last read that saw media arrive). */
  readonly stalled: (since: number) => void;
  /** Media arrives again after a stall. */
  readonly flowing: () => void;
}

/**
 * Watches what the other side's media delivers, four times a second: the bytes of every inbound RTP stream,
 * audio and video together. The other side always sends audio (a muted microphone still sends silence),
 * so no new byte for a second means the path is broken well before ICE says so, and the first new byte
 * after it means the path is back even when ICE never noticed. It arms on the first byte received: a
 * connection that has not delivered media yet is not stalled.
 */
export class FlowWatch {
  readonly #o: FlowWatchOptions;
  #timer: TimerHandle | undefined;
  #bytes: number | undefined;
  /** When media last arrived (the clock at the read that saw new bytes). */
  #lastFlowAt: number | undefined;
  #stalled = false;
  #inFlight = false;

  constructor(options: FlowWatchOptions) {
    this.#o = options;
  }

  get stalled(): boolean {
    return this.#stalled;
  }

  /** Media from the other side arrives now: watched, seen to arrive, and not stalled since. */
  get delivering(): boolean {
    return this.#timer !== undefined && this.#lastFlowAt !== undefined && !this.#stalled;
  }

  /**
   * Counts from now again, as if media had just arrived (a restored path gets its second). A stall it
   * ends is said to be over (`flowing`): the next bytes would not say it, since nothing is stalled then.
   */
  rearm(): void {
    const wasStalled = this.#stalled;
    this.#stalled = false;
    if (this.#lastFlowAt !== undefined) this.#lastFlowAt = this.#o.timers.now();
    if (wasStalled) this.#o.flowing();
  }

  start(): void {
    this.#timer ??= this.#o.timers.setInterval(() => void this.#read(), FLOW_POLL_MS);
  }

  stop(): void {
    if (this.#timer !== undefined) this.#o.timers.clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #read(): Promise<void> {
    if (this.#inFlight) return;
    this.#inFlight = true;
    let bytes: number | undefined;
    try {
      bytes = await this.#o.receivedBytes();
    } catch {
      bytes = undefined;
    } finally {
      this.#inFlight = false;
    }
    if (this.#timer === undefined || bytes === undefined) return;
    const now = this.#o.timers.now();
    const before = this.#bytes;
    this.#bytes = bytes;
    if (before === undefined || bytes > before) {
      if (before !== undefined || bytes > 0) this.#lastFlowAt = now;
      if (this.#stalled && bytes > (before ?? 0)) {
        this.#stalled = false;
        this.#o.flowing();
      }
      return;
    }
    const since = this.#lastFlowAt;
    if (since === undefined || this.#stalled || now - since < STALL_NOTICE_MS) return;
    this.#stalled = true;
    this.#o.stalled(since);
  }
}
