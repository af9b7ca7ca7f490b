import { CHAT_ID_PATTERN } from '../../chat/limits.js';
import type { ChannelHandler } from '../handler.js';

/**
 * A chat message: acknowledged at once (the sender stops marking it undelivered); the chat feature, which
 * listens to the call's messages, bounds it, de-duplicates it and keeps it as text.
 */
export const chat: ChannelHandler<'chat'> = {
  parse: (raw) =>
    typeof raw.id === 'string' &&
    CHAT_ID_PATTERN.test(raw.id) &&
    typeof raw.at === 'number' &&
    Number.isFinite(raw.at) &&
    // The frame is already bounded (router.ts); the chat refuses a text over 4 KiB with a notice.
    typeof raw.text === 'string'
      ? { t: 'chat', id: raw.id, at: raw.at, text: raw.text }
      : undefined,
  handle: (context, message) => context.send({ t: 'chat-ack', id: message.id }),
};
