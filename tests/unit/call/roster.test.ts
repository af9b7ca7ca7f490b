import { describe, expect, it } from 'vitest';
import { Roster } from '../../../src/call/roster.js';

describe('Roster: who is on a preview', () => {
  it('remembers who said so until they leave the room, or the server no longer lists them', () => {
    const roster = new Roster('me', 6);
    roster.preview('a');
    roster.preview('b');
    roster.preview('me');
    expect([roster.previewed('a'), roster.previewed('b'), roster.previewed('me')]).toEqual([
      true,
      true,
      false,
    ]);
    expect(roster.others()).toEqual(['a', 'b']);
    expect(roster.inCall('a')).toBe(false);
    // Joining the call does not forget it: an offer made ahead of then reached them ready.
    roster.enter('a');
    expect(roster.previewed('a')).toBe(true);
    roster.remove('a');
    expect(roster.previewed('a')).toBe(false);
    roster.reset(['me']);
    expect(roster.previewed('b')).toBe(false);
  });
});
