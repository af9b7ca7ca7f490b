import type { ChannelHandler } from '../handler.js';
import { MAX_SHARE_TITLE } from '../messages.js';

/** The other side shows a tab (its title, cut and shown as text) or is back to its camera (null). */
export const share: ChannelHandler<'share'> = {
  parse: (raw) =>
    typeof raw.title === 'string' || raw.title === null
      ? { t: 'share', title: raw.title === null ? null : raw.title.slice(0, MAX_SHARE_TITLE) }
      : undefined,
  handle: (context, message) => {
    context.remote.sharing = message.title ?? undefined;
    context.changed();
  },
};
