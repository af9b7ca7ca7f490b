import type { Call } from '../call/call.js';
import type { FilesRoom } from '../call/files/files.js';
import { text } from './text/index.js';

/** What a participant is called wherever the UI names them: their own name, else "Guest n" by join order. */
export function shownName(p: { readonly name: string | undefined; readonly position: number }): string {
  return p.name ?? text.call.guest(p.position);
}

/**
 * The call as chat and files see it, with everyone called what their tile calls them: their own name, else
 * "Guest n" by their place in the join order (the core leaves a missing name undefined; only the UI words it).
 */
export function withShownNames(call: Call<MediaStream>): FilesRoom {
  return {
    participants: () => call.participants().map((p) => ({ ...p, name: shownName(p) })),
    sendTo: (id, message) => call.sendTo(id, message),
    on: ((event: 'message' | 'link', listener: (...args: never[]) => void) =>
      call.on(event, listener as never)) as FilesRoom['on'],
    fileChannel: (id) => call.fileChannel(id),
  };
}
