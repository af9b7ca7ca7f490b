import { describe, expect, test } from 'vitest';
import { atEnd, FOLLOW_SLACK_PX } from '../../../../src/ui/chat/follow.js';

describe('chat list follows new messages only from its end', () => {
  test('a list scrolled to its end (or one that does not scroll) follows', () => {
    expect(atEnd(600, 400, 1000)).toBe(true);
    expect(atEnd(0, 400, 300)).toBe(true);
    // Fractional scroll positions a zoomed page reports still count as the end.
    expect(atEnd(599.5, 400, 1000)).toBe(true);
  });

  test('a reader scrolled up to older messages keeps their place', () => {
    expect(atEnd(0, 400, 1000)).toBe(false);
    expect(atEnd(600 - FOLLOW_SLACK_PX - 1, 400, 1000)).toBe(false);
    expect(atEnd(600 - FOLLOW_SLACK_PX, 400, 1000)).toBe(true);
  });
});
