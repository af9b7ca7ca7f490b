import type { PeerMessage } from '../channel/messages.js';
import { Emitter } from '../emitter.js';
import type { LinkState } from '../link/link-machine.js';
import type { TimerHandle, Timers } from '../ports.js';
import { ChatLog, type ChatEntry } from './chat-log.js';
import { MAX_CHAT_BYTES, MAX_CHAT_MESSAGES, utf8Bytes } from './limits.js';

/** The call as the chat sees it: who is in it, a message to one of them, and what they send. */
export interface ChatRoom {
  /** Everyone we have a link with now, and whether the link is connected. */
  participants(): readonly { id: string; name: string | undefined; connected: boolean }[];
  /** Sends over one participant's data channel; false when the link cannot carry it now. */
  sendTo(id: string, message: PeerMessage): boolean;
  on(event: 'message', listener: (from: string, message: PeerMessage) => void): () => void;
  on(event: 'link', listener: (id: string, state: LinkState) => void): () => void;
}

export interface ChatOptions {
  readonly room: ChatRoom;
  readonly timers: Timers;
  readonly newId: () => string;
  /** We joined a call already going (a guest): earlier messages are not shown, and the panel says so. */
  readonly joinedLate: boolean;
  /** How long an unanswered message waits before it is marked undelivered. */
  readonly ackTimeoutMs?: number;
}

/** Why a message was not sent (the UI words it). */
export type ChatRefusal = { readonly kind: 'empty' } | { readonly kind: 'too-long'; readonly bytes: number };

export type SendResult = { ok: true } | { ok: false; error: ChatRefusal };

/** A message from someone that was not shown: longer than 4 KiB (`name`: undefined when unknown). */
export interface ChatNotice {
  readonly kind: 'refused-too-long';
  readonly name: string | undefined;
}

export type ChatEvents = { change: [] };

interface Pending {
  readonly message: Extract<PeerMessage, { t: 'chat' }>;
  /** Participants that have not acknowledged it. */
  readonly waiting: Set<string>;
  /** Those of `waiting` shown as undelivered (link down, or no ack in time). */
  readonly failed: Set<string>;
  timer: TimerHandle | undefined;
}

/**
 * The call's chat: our messages go to every participant and stay marked for whoever has not acknowledged
 * them, and are sent again when that participant's link is connected again; theirs are bounded,
 * de-duplicated and kept as text. In a group a message goes to everyone.
 */
export class Chat extends Emitter<ChatEvents> {
  readonly joinedLate: boolean;
  readonly #o: ChatOptions;
  readonly #log = new ChatLog(MAX_CHAT_MESSAGES);
  readonly #pending = new Map<string, Pending>();
  readonly #notices: ChatNotice[] = [];
  readonly #offs: (() => void)[];
  #unread = 0;
  #visible = false;
  #disposed = false;

  constructor(options: ChatOptions) {
    super();
    this.#o = options;
    this.joinedLate = options.joinedLate;
    this.#offs = [
      options.room.on('message', (from, message) => this.#onMessage(from, message)),
      options.room.on('link', (id, state) => {
        if (state.phase === 'connected') this.#resend(id);
        else if (state.phase === 'closed' || state.phase === 'failed') this.#forget(id);
        else this.#markDown(id);
      }),
    ];
  }

  get entries(): readonly ChatEntry[] {
    return this.#log.entries;
  }

  get unread(): number {
    return this.#unread;
  }

  /** Messages refused from others (too long), newest last; at most 20. */
  get notices(): readonly ChatNotice[] {
    return this.#notices;
  }

  /** Whether the user sees the messages now (a visible panel reads everything that arrives). */
  setVisible(visible: boolean): void {
    this.#visible = visible;
    if (visible && this.#unread > 0) this.#unread = 0;
    this.emit('change');
  }

  send(text: string): SendResult {
    if (this.#disposed || text.trim() === '') return { ok: false, error: { kind: 'empty' } };
    const bytes = utf8Bytes(text);
    if (bytes > MAX_CHAT_BYTES) return { ok: false, error: { kind: 'too-long', bytes } };
    const message = { t: 'chat', id: this.#o.newId(), at: this.#o.timers.now(), text } as const;
    const pending: Pending = { message, waiting: new Set(), failed: new Set(), timer: undefined };
    for (const { id, connected } of this.#o.room.participants()) {
      pending.waiting.add(id);
      if (!connected || !this.#o.room.sendTo(id, message)) pending.failed.add(id);
    }
    const key = `:${message.id}`;
    this.#log.add({
      key,
      id: message.id,
      from: undefined,
      name: undefined,
      at: message.at,
      text,
      undelivered: [],
    });
    if (pending.waiting.size > 0) {
      this.#pending.set(message.id, pending);
      this.#armAckTimer(pending);
      this.#trimPending();
    }
    this.#refresh(pending);
    this.emit('change');
    return { ok: true };
  }

  /** Stops listening and releases timers (the call ended or the view went away). */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const off of this.#offs) off();
    for (const p of this.#pending.values()) if (p.timer !== undefined) this.#o.timers.clearTimeout(p.timer);
    this.#pending.clear();
  }

  #onMessage(from: string, message: PeerMessage): void {
    if (this.#disposed) return;
    if (message.t === 'chat-ack') {
      const pending = this.#pending.get(message.id);
      if (!pending || !pending.waiting.delete(from)) return;
      pending.failed.delete(from);
      if (pending.waiting.size === 0) this.#settle(pending);
      this.#refresh(pending);
      this.emit('change');
      return;
    }
    if (message.t !== 'chat') return;
    const key = `${from}:${message.id}`;
    if (this.#log.has(key)) return;
    const name = this.#nameOf(from);
    if (utf8Bytes(message.text) > MAX_CHAT_BYTES) {
      this.#notices.push({ kind: 'refused-too-long', name });
      if (this.#notices.length > 20) this.#notices.shift();
      this.emit('change');
      return;
    }
    this.#log.add({ key, id: message.id, from, name, at: message.at, text: message.text, undelivered: [] });
    if (!this.#visible) this.#unread += 1;
    this.emit('change');
  }

  /** A participant's link is connected again: what they missed goes again (they drop duplicates). */
  #resend(id: string): void {
    let changed = false;
    for (const pending of this.#pending.values()) {
      if (!pending.waiting.has(id)) continue;
      if (this.#o.room.sendTo(id, pending.message)) {
        pending.failed.delete(id);
        this.#armAckTimer(pending);
      } else pending.failed.add(id);
      this.#refresh(pending);
      changed = true;
    }
    if (changed) this.emit('change');
  }

  #markDown(id: string): void {
    let changed = false;
    for (const pending of this.#pending.values()) {
      if (!pending.waiting.has(id) || pending.failed.has(id)) continue;
      pending.failed.add(id);
      this.#refresh(pending);
      changed = true;
    }
    if (changed) this.emit('change');
  }

  /** A participant left for good: nothing is owed to them any more. */
  #forget(id: string): void {
    for (const pending of [...this.#pending.values()]) {
      if (!pending.waiting.delete(id)) continue;
      pending.failed.delete(id);
      if (pending.waiting.size === 0) this.#settle(pending);
      this.#refresh(pending);
    }
    this.emit('change');
  }

  #armAckTimer(pending: Pending): void {
    if (pending.timer !== undefined) this.#o.timers.clearTimeout(pending.timer);
    pending.timer = this.#o.timers.setTimeout(() => {
      pending.timer = undefined;
      if (this.#disposed || pending.waiting.size === 0) return;
      for (const id of pending.waiting) pending.failed.add(id);
      this.#refresh(pending);
      this.emit('change');
    }, this.#o.ackTimeoutMs ?? 5000);
  }

  #settle(pending: Pending): void {
    if (pending.timer !== undefined) this.#o.timers.clearTimeout(pending.timer);
    this.#pending.delete(pending.message.id);
  }

  /** Only messages still in the log are owed: the oldest pending ones go with them. */
  #trimPending(): void {
    while (this.#pending.size > MAX_CHAT_MESSAGES) {
      const oldest = this.#pending.values().next().value!;
      this.#settle(oldest);
    }
  }

  #refresh(pending: Pending): void {
    const names = [...pending.failed].map((id) => this.#nameOf(id));
    this.#log.update(`:${pending.message.id}`, (entry) => ({ ...entry, undelivered: names }));
  }

  /** A participant's name; undefined when they gave none or are gone (the UI says "someone"). */
  #nameOf(id: string): string | undefined {
    return this.#o.room.participants().find((p) => p.id === id)?.name;
  }
}
