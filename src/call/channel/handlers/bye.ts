import type { ChannelHandler } from '../handler.js';

/** The other side hung up (sent before its LEAVE, which may come later or never). */
export const bye: ChannelHandler<'bye'> = {
  parse: () => ({ t: 'bye' }),
  handle: (context) => context.hungUp(),
};
