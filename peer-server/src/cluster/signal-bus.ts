/** A frame as the destination's socket will receive it, and who sent it (to tell them EXPIRE). */
export interface BusFrame {
  readonly src: string;
  readonly data: string;
  /**
   * A relayed message: the sender's room (absent: it is in none). Delivered only to a peer in the same room,
   * as on one instance (signal/admission.ts). Absent `relay`: a server notice (ROOM-JOIN, LEAVE gone, EXPIRE).
   */
  readonly relay?: { readonly room?: string };
}

/** What travels on a peer's channel. */
export type BusMessage =
  /** Frames for the peer, oldest first: one sender instance's frames in the order it relayed them. */
  | { readonly kind: 'frames'; readonly frames: readonly BusFrame[] }
  /** The id was taken over by registration `by` (same token), which is in `room`: the old socket goes. */
  | { readonly kind: 'replaced'; readonly by: string; readonly room: string | undefined };

export type BusHandler = (dst: string, message: BusMessage) => void;

/**
 * Delivers messages to the instance that holds a peer id, one channel per peer: an instance subscribes to the
 * ids it holds, and messages one instance publishes to one channel arrive in the order it published them.
 */
export interface SignalBus {
  /** Every message for an id subscribed here goes to this one handler. */
  onMessage(handler: BusHandler): void;
  /** An id came online somewhere: frames held for it can go now. */
  onOnline(listener: (id: string) => void): void;
  /** Starts receiving `id`'s messages here; counted, so that a takeover on this instance keeps it. */
  subscribe(id: string): Promise<void>;
  unsubscribe(id: string): Promise<void>;
  /** Whether some instance received it (false: nobody holds `dst` now). */
  publish(dst: string, message: BusMessage): Promise<boolean>;
  /** Tells every instance that `id` is online. */
  announce(id: string): Promise<void>;
}
