import { describe, expect, it } from 'vitest';
import { RollingHistory } from '../../../../src/call/quality/history.js';

describe('rolling history', () => {
  it('keeps the last items, oldest first', () => {
    const history = new RollingHistory<number>(3);
    expect(history.toArray()).toEqual([]);
    expect(history.latest).toBeUndefined();
    for (const n of [1, 2]) history.push(n);
    expect(history.toArray()).toEqual([1, 2]);
    for (const n of [3, 4, 5]) history.push(n);
    expect(history.toArray()).toEqual([3, 4, 5]);
    expect(history.latest).toBe(5);
    expect(history.size).toBe(3);
  });

  it('defaults to a minute of samples and can be cleared', () => {
    const history = new RollingHistory<number>();
    for (let n = 0; n < 100; n += 1) history.push(n);
    expect(history.capacity).toBe(60);
    expect(history.toArray()[0]).toBe(40);
    history.clear();
    expect(history.size).toBe(0);
    history.push(7);
    expect(history.toArray()).toEqual([7]);
  });

  it('refuses a capacity that holds nothing', () => {
    expect(() => new RollingHistory(0)).toThrow(RangeError);
    expect(() => new RollingHistory(1.5)).toThrow(RangeError);
  });
});
