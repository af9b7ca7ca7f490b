import { describe, expect, it } from 'vitest';
import {
  checkPair,
  PAIR_CONNECT_MS,
  PAIR_LATE_MS,
  PAIR_PATIENCE,
  PairAttempts,
  type PairProgress,
} from '../../../../src/call/mesh/pair-watch.js';

const at = (now: number, more: Partial<PairProgress> = {}): PairProgress => ({
  now,
  dueAt: now,
  startedAt: 0,
  progressAt: undefined,
  connectionState: 'new',
  rounds: 0,
  waitMs: PAIR_CONNECT_MS,
  ...more,
});

describe('the pair watch', () => {
  it('rebuilds a pair with no step for a whole window', () => {
    expect(checkPair(at(PAIR_CONNECT_MS))).toBe('rebuild');
  });

  it('a step within the window gives a window from that step', () => {
    expect(checkPair(at(PAIR_CONNECT_MS, { progressAt: 9000 }))).toEqual({ waitMs: 9000, rounds: 0 });
    expect(checkPair(at(19_000, { progressAt: 9000 }))).toBe('rebuild');
  });

  it('ICE checks under way get PAIR_PATIENCE rounds', () => {
    const checking = (rounds: number) =>
      checkPair(at(PAIR_CONNECT_MS * (rounds + 1), { connectionState: 'connecting', rounds }));
    for (let r = 0; r < PAIR_PATIENCE - 1; r++)
      expect(checking(r)).toEqual({ waitMs: PAIR_CONNECT_MS, rounds: r + 1 });
    expect(checking(PAIR_PATIENCE - 1)).toBe('rebuild');
  });

  it('a watch that fires late (our page was held) looks again shortly instead of rebuilding', () => {
    const verdict = checkPair(at(25_000, { dueAt: 25_000 - PAIR_LATE_MS - 1 }));
    expect(verdict).not.toBe('rebuild');
    expect(verdict !== 'rebuild' && verdict.waitMs).toBeLessThan(PAIR_LATE_MS);
    expect(checkPair(at(25_000, { dueAt: 25_000 - PAIR_LATE_MS }))).toBe('rebuild');
  });

  it('rebuilds of one pair back off, retries too; a connection or a leave starts over', () => {
    const attempts = new PairAttempts();
    const waits: number[] = [];
    const retries: number[] = [];
    for (let i = 0; i < 6; i++) {
      waits.push(attempts.waitMs('x'));
      retries.push(attempts.retryMs('x'));
      attempts.failed('x');
    }
    expect(waits).toEqual([10_000, 20_000, 40_000, 40_000, 40_000, 40_000]);
    expect(retries).toEqual([1000, 2000, 4000, 8000, 16_000, 16_000]);
    expect(attempts.waitMs('y')).toBe(10_000);
    attempts.reset('x');
    expect(attempts.waitMs('x')).toBe(10_000);
  });
});
