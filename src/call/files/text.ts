/** What the files feature says to the user (shown as text, never as markup). */
export const fileText = {
  tooBig: (name: string, limit: string) =>
    `“${name}” is larger than ${limit}, the most this browser can receive in a call; it was declined.`,
  declined: (who: string) => `${who} declined the file.`,
  cancelledBy: (who: string) => `${who} cancelled the transfer.`,
  cancelledByYou: 'You cancelled the transfer.',
  left: (who: string) => `${who} left the call; the transfer stopped.`,
  damaged: 'The file arrived damaged (its SHA-256 does not match what was sent); it was not kept.',
  refusedThere: (who: string) => `${who}'s browser refused the transfer.`,
  damagedThere: (who: string) => `The file arrived damaged at ${who}'s side and was not kept.`,
  short: (got: number, size: number) =>
    `The transfer ended at ${got} of ${size} bytes; the file was not kept.`,
  overrun: (size: number) =>
    `The sender sent more than the ${size} bytes it announced; the transfer was stopped.`,
  gap: 'Parts of the file arrived out of order; the transfer was stopped.',
  unknown: (who: string) =>
    `${who} sent file data for a transfer that does not exist or was declined; it was ignored.`,
  duplicates: (n: number) => `${n} repeated piece${n === 1 ? '' : 's'} ignored.`,
  readFailed: 'The file could not be read any more (moved or deleted?); the transfer was stopped.',
  noChannel: (who: string) => `${who}'s browser cannot receive files in this call.`,
  someone: 'Someone',
  dropHint: 'Drop to send to everyone in the call',
};
