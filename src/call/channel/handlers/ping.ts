import type { ChannelHandler } from '../handler.js';

/** "Are you still there?": answered at once with the same counter. */
export const ping: ChannelHandler<'ping'> = {
  parse: (raw) => (Number.isSafeInteger(raw.n) ? { t: 'ping', n: raw.n as number } : undefined),
  handle: (context, message) => context.send({ t: 'pong', n: message.n }),
};
