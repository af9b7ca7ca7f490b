import { boundName } from '../../names.js';
import type { ChannelHandler } from '../handler.js';

/** The other side's display name: bounded and kept as text (the UI never renders it as markup). */
export const name: ChannelHandler<'name'> = {
  parse: (raw) => {
    const bounded = typeof raw.name === 'string' ? boundName(raw.name) : undefined;
    return bounded === undefined ? undefined : { t: 'name', name: bounded };
  },
  handle: (context, message) => {
    context.remote.name = message.name;
    context.changed();
  },
};
