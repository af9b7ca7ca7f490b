import { TRANSFER_ID_PATTERN } from '../../files/names.js';
import type { ChannelHandler } from '../handler.js';

const REASONS = new Set(['cancelled', 'damaged', 'refused']);

/** The other side stopped a transfer (either direction). */
export const fileCancel: ChannelHandler<'file-cancel'> = {
  parse: (raw) =>
    typeof raw.id === 'string' &&
    TRANSFER_ID_PATTERN.test(raw.id) &&
    typeof raw.reason === 'string' &&
    REASONS.has(raw.reason)
      ? { t: 'file-cancel', id: raw.id, reason: raw.reason as 'cancelled' | 'damaged' | 'refused' }
      : undefined,
  handle: () => undefined,
};
