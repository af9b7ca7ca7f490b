import { describe, expect, it } from 'vitest';
import type { PeerMessage } from '../../../../src/call/channel/messages.js';
import { parsePeerMessage } from '../../../../src/call/channel/router.js';
import { Chat, type ChatRoom } from '../../../../src/call/chat/chat.js';
import { ChatLog } from '../../../../src/call/chat/chat-log.js';
import { Emitter } from '../../../../src/call/emitter.js';
import type { LinkState } from '../../../../src/call/link/link-machine.js';
import { FakeTimers } from '../fakes.js';
import { en } from '../../../../src/ui/text/en.js';
import { tr } from '../../../../src/ui/text/tr.js';

type RoomEvents = { message: [string, PeerMessage]; link: [string, LinkState] };

/** A room of participants whose links are up or down; what we send is recorded per participant. */
class FakeRoom extends Emitter<RoomEvents> implements ChatRoom {
  readonly links = new Map<string, { name: string | undefined; connected: boolean }>();
  readonly sent: { to: string; message: PeerMessage }[] = [];
  participants() {
    return [...this.links].map(([id, l]) => ({ id, name: l.name, connected: l.connected }));
  }
  sendTo(id: string, message: PeerMessage): boolean {
    if (!this.links.get(id)?.connected) return false;
    this.sent.push({ to: id, message });
    return true;
  }
  /** A frame from `from` as the data channel delivers it: through the router's parser. */
  deliver(from: string, frame: string): void {
    const message = parsePeerMessage(frame);
    if (message) this.emit('message', from, message);
  }
  setLink(
    id: string,
    connected: boolean,
    phase: LinkState['phase'] = connected ? 'connected' : 'reconnecting',
  ) {
    this.links.get(id)!.connected = connected;
    this.emit('link', id, (phase === 'reconnecting' ? { phase, since: 0 } : { phase }) as LinkState);
  }
}

function rig(joinedLate = false) {
  const room = new FakeRoom();
  room.links.set('ayla', { name: 'Ayla', connected: true });
  room.links.set('bora', { name: 'Bora', connected: true });
  const timers = new FakeTimers();
  let n = 0;
  const chat = new Chat({ room, timers, newId: () => `m${++n}`, joinedLate, ackTimeoutMs: 3000 });
  return { room, timers, chat };
}

const entry = (key: string, at = 0) => ({
  key,
  id: key,
  from: 'x',
  name: 'X',
  at,
  text: key,
  undelivered: [],
});

describe('ChatLog', () => {
  it('keeps arrival order, drops duplicates and keeps only the last `limit`', () => {
    const log = new ChatLog(3);
    expect(log.add(entry('a', 5))).toBe(true);
    expect(log.add(entry('b', 1))).toBe(true);
    expect(log.add(entry('a', 5))).toBe(false);
    log.add(entry('c'));
    log.add(entry('d'));
    expect(log.entries.map((e) => e.key)).toEqual(['b', 'c', 'd']);
    expect(log.has('a')).toBe(false);
  });

  it('keeps 500 by default', () => {
    const log = new ChatLog();
    for (let i = 0; i < 520; i++) log.add(entry(`k${i}`));
    expect(log.entries).toHaveLength(500);
    expect(log.entries[0]!.key).toBe('k20');
  });
});

describe('Chat', () => {
  it('sends a message to everyone and keeps it as ours', () => {
    const { room, chat } = rig();
    expect(chat.send('hello <b>all</b>')).toEqual({ ok: true });
    expect(room.sent.map((s) => s.to)).toEqual(['ayla', 'bora']);
    expect(room.sent[0]!.message).toMatchObject({ t: 'chat', id: 'm1', text: 'hello <b>all</b>' });
    // Ours carries no name: the UI says "You" in the user's language.
    expect(chat.entries).toMatchObject([{ from: undefined, name: undefined, text: 'hello <b>all</b>' }]);
  });

  it('refuses an empty message and one over 4 KiB, sending nothing', () => {
    const { room, chat } = rig();
    expect(chat.send('  \n')).toEqual({ ok: false, error: { kind: 'empty' } });
    const result = chat.send('ş'.repeat(2049)); // 4098 bytes of UTF-8
    expect(result).toEqual({ ok: false, error: { kind: 'too-long', bytes: 4098 } });
    expect(en.chat.empty).toBe('Write a message first.');
    expect(en.chat.tooLong(4098)).toBe(
      'This message is too long (4,098 bytes; at most 4 KiB). Split it into shorter messages.',
    );
    expect(tr.chat.tooLong(4098)).toBe(
      'Bu mesaj çok uzun (4.098 bayt; en fazla 4 KiB). Daha kısa mesajlara bölün.',
    );
    expect(chat.send('x'.repeat(4096))).toEqual({ ok: true });
    expect(room.sent).toHaveLength(2);
  });

  it('shows what others send once, counts it unread while hidden, and reads it when shown', () => {
    const { room, chat } = rig();
    const frame = JSON.stringify({ t: 'chat', id: 'abc', at: 1000, text: 'merhaba' });
    room.deliver('ayla', frame);
    room.deliver('ayla', frame); // sent again after a reconnect
    room.deliver('bora', JSON.stringify({ t: 'chat', id: 'abc', at: 1001, text: 'same id, other sender' }));
    expect(chat.entries.map((e) => [e.name, e.text])).toEqual([
      ['Ayla', 'merhaba'],
      ['Bora', 'same id, other sender'],
    ]);
    expect(chat.unread).toBe(2);
    chat.setVisible(true);
    expect(chat.unread).toBe(0);
    room.deliver('ayla', JSON.stringify({ t: 'chat', id: 'def', at: 1002, text: 'seen at once' }));
    expect(chat.unread).toBe(0);
  });

  it('refuses an oversized message from a peer with a notice, and goes on', () => {
    const { room, chat } = rig();
    room.deliver('bora', JSON.stringify({ t: 'chat', id: 'big', at: 1, text: 'x'.repeat(5000) }));
    expect(chat.entries).toHaveLength(0);
    expect(chat.notices).toEqual([{ kind: 'refused-too-long', name: 'Bora' }]);
    expect(en.chat.refusedTooLong('Bora')).toBe('Bora sent a message longer than 4 KiB; it was not shown.');
    // Malformed frames never reach the chat.
    room.deliver('bora', '{"t":"chat","id":"<script>","at":1,"text":"x"}');
    room.deliver('bora', '{"t":"chat","id":"ok","at":"soon","text":"x"}');
    room.deliver('bora', '{"t":"chat","id":"ok","at":1,"text":42}');
    expect(chat.entries).toHaveLength(0);
    room.deliver('bora', JSON.stringify({ t: 'chat', id: 'ok', at: 2, text: 'still here' }));
    expect(chat.entries.map((e) => e.text)).toEqual(['still here']);
  });

  it('marks a message that could not reach someone and sends it again when their link is back', () => {
    const { room, chat, timers } = rig();
    room.setLink('bora', false);
    chat.send('are you there?');
    expect(room.sent.map((s) => s.to)).toEqual(['ayla']);
    expect(chat.entries[0]!.undelivered).toEqual(['Bora']);
    room.deliver('ayla', '{"t":"chat-ack","id":"m1"}');
    expect(chat.entries[0]!.undelivered).toEqual(['Bora']);

    room.setLink('bora', true);
    expect(room.sent.map((s) => s.to)).toEqual(['ayla', 'bora']);
    expect(room.sent[1]!.message).toEqual(room.sent[0]!.message); // same id: the receiver drops a duplicate
    expect(chat.entries[0]!.undelivered).toEqual([]);
    room.deliver('bora', '{"t":"chat-ack","id":"m1"}');
    timers.advance(10_000);
    expect(chat.entries[0]!.undelivered).toEqual([]);
  });

  it('marks a message nobody acknowledged in time, and clears the mark on a late ack', () => {
    const { room, chat, timers } = rig();
    chat.send('hi');
    room.deliver('ayla', '{"t":"chat-ack","id":"m1"}');
    timers.advance(2999);
    expect(chat.entries[0]!.undelivered).toEqual([]);
    timers.advance(1);
    expect(chat.entries[0]!.undelivered).toEqual(['Bora']);
    room.deliver('bora', '{"t":"chat-ack","id":"m1"}');
    expect(chat.entries[0]!.undelivered).toEqual([]);
  });

  it('owes nothing to a participant who left', () => {
    const { room, chat } = rig();
    room.setLink('bora', false);
    chat.send('bye?');
    expect(chat.entries[0]!.undelivered).toEqual(['Bora']);
    room.setLink('bora', false, 'closed');
    expect(chat.entries[0]!.undelivered).toEqual([]);
  });

  it('says when earlier messages are not shown, and stops listening once disposed', () => {
    const { room, chat } = rig(true);
    expect(chat.joinedLate).toBe(true);
    chat.dispose();
    room.deliver('ayla', JSON.stringify({ t: 'chat', id: 'late', at: 1, text: 'after' }));
    expect(chat.entries).toHaveLength(0);
  });
});

describe('chatSegments', () => {
  it('makes http and https addresses links and leaves everything else text', async () => {
    const { chatSegments } = await import('../../../../src/call/chat/links.js');
    expect(chatSegments('see https://example.org/a?b=1. and http://x.test')).toEqual([
      { text: 'see ' },
      { text: 'https://example.org/a?b=1', href: 'https://example.org/a?b=1' },
      { text: '. and ' },
      { text: 'http://x.test', href: 'http://x.test/' },
    ]);
    expect(chatSegments('javascript:alert(1) <img src=x onerror=alert(1)>')).toEqual([
      { text: 'javascript:alert(1) <img src=x onerror=alert(1)>' },
    ]);
    expect(chatSegments('ftp://a.b data:text/html,x')).toEqual([{ text: 'ftp://a.b data:text/html,x' }]);
  });
});
