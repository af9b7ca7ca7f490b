import { describe, expect, it } from 'vitest';
import { Backoff, backoffDelay, SIGNALING_BACKOFF } from '../../../src/call/backoff.js';

describe('backoffDelay', () => {
  it('doubles from the base up to the cap, jittered between half and all of it', () => {
    const low = { ...SIGNALING_BACKOFF, random: () => 0 };
    const high = { ...SIGNALING_BACKOFF, random: () => 1 };
    expect([0, 1, 2, 3, 4, 5, 6, 50].map((n) => backoffDelay(n, low))).toEqual([
      125, 250, 500, 1000, 2000, 4000, 4000, 4000,
    ]);
    expect([0, 1, 2, 3, 4, 5, 6, 50].map((n) => backoffDelay(n, high))).toEqual([
      250, 500, 1000, 2000, 4000, 8000, 8000, 8000,
    ]);
  });

  it('spreads real random draws over the whole band', () => {
    const draws = Array.from({ length: 2000 }, () => backoffDelay(3, SIGNALING_BACKOFF));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(1000);
    expect(Math.max(...draws)).toBeLessThanOrEqual(2000);
    expect(Math.max(...draws) - Math.min(...draws)).toBeGreaterThan(800);
  });
});

describe('Backoff', () => {
  it('counts attempts, takes a tighter cap when asked, and starts over on reset', () => {
    const backoff = new Backoff({ baseMs: 100, capMs: 1000, random: () => 1 });
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([100, 200, 400]);
    expect(backoff.next(300)).toBe(300);
    expect(backoff.next(5000)).toBe(1000);
    expect(backoff.attempts).toBe(5);
    backoff.reset();
    expect(backoff.attempts).toBe(0);
    expect(backoff.next()).toBe(100);
  });
});
