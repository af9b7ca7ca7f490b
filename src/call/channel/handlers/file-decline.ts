import { TRANSFER_ID_PATTERN } from '../../files/names.js';
import type { ChannelHandler } from '../handler.js';

/** The receiver does not want our file: nothing is sent. */
export const fileDecline: ChannelHandler<'file-decline'> = {
  parse: (raw) =>
    typeof raw.id === 'string' && TRANSFER_ID_PATTERN.test(raw.id)
      ? { t: 'file-decline', id: raw.id }
      : undefined,
  handle: () => undefined,
};
