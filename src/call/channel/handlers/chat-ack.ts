import { CHAT_ID_PATTERN } from '../../chat/limits.js';
import type { ChannelHandler } from '../handler.js';

/** The other side got our chat message `id` (the chat feature, listening to the call, clears its mark). */
export const chatAck: ChannelHandler<'chat-ack'> = {
  parse: (raw) =>
    typeof raw.id === 'string' && CHAT_ID_PATTERN.test(raw.id) ? { t: 'chat-ack', id: raw.id } : undefined,
  handle: () => undefined,
};
