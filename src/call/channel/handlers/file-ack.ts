import { TRANSFER_ID_PATTERN } from '../../files/names.js';
import type { ChannelHandler } from '../handler.js';

/** The receiver confirms how much of our file it has (and, at the end, that it verified it). */
export const fileAck: ChannelHandler<'file-ack'> = {
  parse: (raw) =>
    typeof raw.id === 'string' &&
    TRANSFER_ID_PATTERN.test(raw.id) &&
    Number.isSafeInteger(raw.offset) &&
    typeof raw.done === 'boolean'
      ? { t: 'file-ack', id: raw.id, offset: raw.offset as number, done: raw.done }
      : undefined,
  handle: () => undefined,
};
