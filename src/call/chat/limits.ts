/** A chat message is at most this many bytes of UTF-8 text. */
export const MAX_CHAT_BYTES = 4 * 1024;
/** The log keeps the last this many messages. */
export const MAX_CHAT_MESSAGES = 500;
/** A message id: the sender's random id (ids.ts), or anything this short and plain. */
export const CHAT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}
