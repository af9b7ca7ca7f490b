import { formatBytes } from '../../call/files/files.js';
import type { FileNotice } from '../../call/files/notices.js';

const someone = 'Someone';

/** The files feature's words (shown as text, never as markup). */
export const fileText = {
  someone,
  dropHint: 'Drop to send to everyone in the call',
  notice(n: FileNotice): string {
    switch (n.code) {
      case 'too-big':
        return `“${n.name}” is larger than ${formatBytes(n.limit)}, the most this browser can receive in a call; it was declined.`;
      case 'declined':
        return `${n.who ?? someone} declined the file.`;
      case 'cancelled-by':
        return `${n.who ?? someone} cancelled the transfer.`;
      case 'cancelled-by-you':
        return 'You cancelled the transfer.';
      case 'left':
        return `${n.who ?? someone} left the call; the transfer stopped.`;
      case 'damaged':
        return 'The file arrived damaged (its SHA-256 does not match what was sent); it was not kept.';
      case 'refused-there':
        return `${n.who ?? someone}'s browser refused the transfer.`;
      case 'damaged-there':
        return `The file arrived damaged at ${n.who ?? someone}'s side and was not kept.`;
      case 'short':
        return `The transfer ended at ${n.got} of ${n.size} bytes; the file was not kept.`;
      case 'overrun':
        return `The sender sent more than the ${n.size} bytes it announced; the transfer was stopped.`;
      case 'gap':
        return 'Parts of the file arrived out of order; the transfer was stopped.';
      case 'unknown':
        return `${n.who ?? someone} sent file data for a transfer that does not exist or was declined; it was ignored.`;
      case 'duplicates':
        return `${n.count} repeated piece${n.count === 1 ? '' : 's'} ignored.`;
      case 'read-failed':
        return 'The file could not be read any more (moved or deleted?); the transfer was stopped.';
      case 'no-channel':
        return `${n.who ?? someone}'s browser cannot receive files in this call.`;
    }
  },
};
