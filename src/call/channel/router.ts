import type { ChannelContext, ChannelHandler } from './handler.js';
import { bye } from './handlers/bye.js';
import { chat } from './handlers/chat.js';
import { chatAck } from './handlers/chat-ack.js';
import { fileAccept } from './handlers/file-accept.js';
import { fileAck } from './handlers/file-ack.js';
import { fileCancel } from './handlers/file-cancel.js';
import { fileDecline } from './handlers/file-decline.js';
import { fileOffer } from './handlers/file-offer.js';
import { media } from './handlers/media.js';
import { name } from './handlers/name.js';
import { ping } from './handlers/ping.js';
import { pong } from './handlers/pong.js';
import { quality } from './handlers/quality.js';
import { share } from './handlers/share.js';
import type { MessageType, PeerMessage } from './messages.js';

/** Every data-channel message type and its handler: the one place a new type is registered. */
const HANDLERS: { readonly [K in MessageType]: ChannelHandler<K> } = {
  bye,
  ping,
  pong,
  media,
  quality,
  share,
  name,
  chat,
  'chat-ack': chatAck,
  'file-offer': fileOffer,
  'file-accept': fileAccept,
  'file-decline': fileDecline,
  'file-cancel': fileCancel,
  'file-ack': fileAck,
};

/** Data-channel frames larger than this are not ours (the largest real one, quality, is ~250 bytes). */
export const MAX_FRAME_BYTES = 16 * 1024;

/** Reads one frame (text or bytes); anything malformed, unknown or oversized gives undefined. */
export function parsePeerMessage(data: unknown): PeerMessage | undefined {
  const text =
    typeof data === 'string' ? data : data instanceof Uint8Array ? new TextDecoder().decode(data) : undefined;
  if (text === undefined || text.length > MAX_FRAME_BYTES) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const t = (raw as { t?: unknown }).t;
  if (typeof t !== 'string' || !Object.hasOwn(HANDLERS, t)) return undefined;
  return HANDLERS[t as MessageType].parse(raw as Record<string, unknown>);
}

/** Parses a frame and hands it to its handler; returns what it read (undefined: ignored). */
export function route(context: ChannelContext, data: unknown): PeerMessage | undefined {
  const message = parsePeerMessage(data);
  if (!message) return undefined;
  (HANDLERS[message.t] as ChannelHandler<typeof message.t>).handle(context, message as never);
  return message;
}
