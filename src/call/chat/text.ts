/** What the chat says to the user (English; the UI shows these as text, never as markup). */
export const chatText = {
  you: 'You',
  someone: 'Someone',
  lateJoin: 'Messages sent before you joined are not shown',
  empty: 'Write a message first.',
  tooLong: (bytes: number) =>
    `This message is too long (${bytes.toLocaleString('en')} bytes; at most 4 KiB). Split it into shorter messages.`,
  refusedTooLong: (name: string) => `${name} sent a message longer than 4 KiB; it was not shown.`,
  undelivered: (names: readonly string[]) =>
    `Not delivered to ${names.join(', ')} yet — sent again when the connection is back`,
};
