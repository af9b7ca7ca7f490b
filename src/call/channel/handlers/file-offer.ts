import { TRANSFER_ID_PATTERN, fileName } from '../../files/names.js';
import type { ChannelHandler } from '../handler.js';

/** A file offered to us: read strictly; the files feature (listening to the call) asks the user. */
export const fileOffer: ChannelHandler<'file-offer'> = {
  parse: (raw) => {
    const name = typeof raw.name === 'string' ? fileName(raw.name) : undefined;
    return typeof raw.id === 'string' &&
      TRANSFER_ID_PATTERN.test(raw.id) &&
      typeof raw.n === 'number' &&
      Number.isInteger(raw.n) &&
      raw.n >= 0 &&
      raw.n <= 0xffffffff &&
      typeof raw.size === 'number' &&
      Number.isSafeInteger(raw.size) &&
      raw.size >= 0 &&
      name !== undefined
      ? {
          t: 'file-offer',
          id: raw.id,
          n: raw.n,
          name,
          size: raw.size,
          mime: typeof raw.mime === 'string' && /^[\w.+-]+\/[\w.+-]+$/.test(raw.mime) ? raw.mime : '',
        }
      : undefined;
  },
  handle: () => undefined,
};
