import { describe, expect, it } from 'vitest';
import { boundName, initials, MAX_NAME_LENGTH } from '../../../src/call/names.js';
import { en } from '../../../src/ui/text/en.js';
import { tr } from '../../../src/ui/text/tr.js';

describe('names', () => {
  it('bounds a name: trimmed, one space between words, cut by code points', () => {
    expect(boundName('  Ayşe   Yılmaz ')).toBe('Ayşe Yılmaz');
    expect(boundName('😀'.repeat(100))).toBe('😀'.repeat(MAX_NAME_LENGTH));
    expect(boundName('\u0000\u200b\t')).toBeUndefined();
    expect(boundName('')).toBeUndefined();
  });

  it('gives initials and default names', () => {
    expect(initials('Ayşe Yılmaz')).toBe('AY');
    expect(initials('mert')).toBe('M');
    expect(initials('Ali Veli Can')).toBe('AC');
    expect(en.call.guest(2)).toBe('Guest 2');
    expect(tr.call.guest(2)).toBe('Konuk 2');
  });
});
