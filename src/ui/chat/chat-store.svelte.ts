import type { Call } from '../../call/call.js';
import { Chat } from '../../call/chat/chat.js';
import type { ChatEntry } from '../../call/chat/chat-log.js';
import type { ChatNotice } from '../../call/chat/chat.js';
import { newId } from '../../call/ids.js';
import { realTimers } from '../../call/ports.js';
import { text } from '../text/index.js';
import { withShownNames } from '../shown-names.js';

/** Rune state around the call's chat: the panel reads it and sends intents. */
export class ChatStore {
  entries: readonly ChatEntry[] = $state.raw([]);
  notices: readonly ChatNotice[] = $state.raw([]);
  unread = $state(0);
  open = $state(false);
  readonly chat: Chat;
  readonly #off: () => void;

  constructor(call: Call<MediaStream>) {
    this.chat = new Chat({
      room: withShownNames(call),
      timers: realTimers,
      newId: () => newId(),
      joinedLate: call.role === 'guest',
    });
    this.#off = this.chat.on('change', () => {
      this.entries = [...this.chat.entries];
      this.notices = [...this.chat.notices];
      this.unread = this.chat.unread;
    });
  }

  toggle(): void {
    this.open = !this.open;
    this.chat.setVisible(this.open);
  }

  /** Sends `message`; returns what to tell the user when it was refused. */
  send(message: string): string | undefined {
    const result = this.chat.send(message);
    if (result.ok) return undefined;
    return result.error.kind === 'empty' ? text.chat.empty : text.chat.tooLong(result.error.bytes);
  }

  dispose(): void {
    this.#off();
    this.chat.dispose();
  }
}
