import { describe, expect, it } from 'vitest';
import type { Call } from '../../../src/call/call.js';
import type { PeerMessage } from '../../../src/call/channel/messages.js';
import { withShownNames } from '../../../src/ui/shown-names.js';

describe('withShownNames', () => {
  it('calls whoever gave no name "Guest n", as their tile does, and passes everything else through', () => {
    const sent: [string, PeerMessage][] = [];
    const listeners: string[] = [];
    const call = {
      participants: () => [
        { id: 'a', name: undefined, position: 2, connected: true },
        { id: 'b', name: 'Ayşe', position: 3, connected: false },
      ],
      sendTo: (id: string, message: PeerMessage) => (sent.push([id, message]), true),
      on: (event: string) => (listeners.push(event), () => {}),
      fileChannel: (id: string) => (id === 'a' ? ({ label: 'files' } as never) : undefined),
    } as unknown as Call<MediaStream>;
    const room = withShownNames(call);
    expect(room.participants()).toEqual([
      { id: 'a', name: 'Guest 2', position: 2, connected: true },
      { id: 'b', name: 'Ayşe', position: 3, connected: false },
    ]);
    expect(room.sendTo('a', { t: 'ping', n: 1 })).toBe(true);
    expect(sent).toEqual([['a', { t: 'ping', n: 1 }]]);
    room.on('message', () => {});
    room.on('link', () => {});
    expect(listeners).toEqual(['message', 'link']);
    expect(room.fileChannel('a')).toEqual({ label: 'files' });
    expect(room.fileChannel('b')).toBeUndefined();
  });
});
