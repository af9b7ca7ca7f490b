import { describe, expect, test } from 'vitest';
import { newest, SHOW_MORE, SHOWN_MESSAGES } from '../../../../src/ui/chat/shown.js';

describe('the chat panel lays out the newest messages only', () => {
  test('a short log is shown whole, the same array', () => {
    const log = [1, 2, 3];
    expect(newest(log, SHOWN_MESSAGES)).toBe(log);
    expect(newest([], SHOWN_MESSAGES)).toEqual([]);
  });

  test('a long log shows its newest messages, in order', () => {
    const log = Array.from({ length: 500 }, (_, i) => i);
    expect(newest(log, SHOWN_MESSAGES)).toEqual(log.slice(500 - SHOWN_MESSAGES));
    expect(newest(log, SHOWN_MESSAGES + SHOW_MORE).length).toBe(SHOWN_MESSAGES + SHOW_MORE);
    expect(newest(log, 10_000)).toBe(log);
  });
});
