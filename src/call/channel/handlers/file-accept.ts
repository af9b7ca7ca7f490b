import { TRANSFER_ID_PATTERN } from '../../files/names.js';
import type { ChannelHandler } from '../handler.js';

/** The receiver takes our file from `offset` (a resume after the link came back asks again). */
export const fileAccept: ChannelHandler<'file-accept'> = {
  parse: (raw) =>
    typeof raw.id === 'string' && TRANSFER_ID_PATTERN.test(raw.id) && Number.isSafeInteger(raw.offset)
      ? { t: 'file-accept', id: raw.id, offset: raw.offset as number }
      : undefined,
  handle: () => undefined,
};
