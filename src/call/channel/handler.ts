import type { MessageOf, MessageType, PeerMessage, RemoteQuality } from './messages.js';

/** What the other side has told us about itself over the channel. */
export interface RemoteState {
  audio: boolean;
  video: boolean;
  sharing: string | undefined;
  decision: RemoteQuality | undefined;
  name: string | undefined;
}

/** The link a message arrived on, as a handler sees it. */
export interface ChannelContext {
  readonly remote: RemoteState;
  send(message: PeerMessage): void;
  /** The other side hung up. */
  hungUp(): void;
  /** The other side answered a ping: it is there. */
  answered(): void;
  /** Something in `remote` changed. */
  changed(): void;
}

/**
 * One message type: how to read it from untrusted JSON (undefined: ignore it) and what it does. Adding a
 * message type is one file with one of these and one line in router.ts.
 */
export interface ChannelHandler<K extends MessageType> {
  parse(raw: Readonly<Record<string, unknown>>): MessageOf<K> | undefined;
  handle(context: ChannelContext, message: MessageOf<K>): void;
}
