import type { ChannelHandler } from '../handler.js';

/** The answer to our ping: the other side is there (ends a gone-check or a restored path's confirmation). */
export const pong: ChannelHandler<'pong'> = {
  parse: (raw) => (Number.isSafeInteger(raw.n) ? { t: 'pong', n: raw.n as number } : undefined),
  handle: (context) => context.answered(),
};
