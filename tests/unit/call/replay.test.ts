import { describe, expect, it } from 'vitest';
import { ReplayCounter, ReplayGuard } from '../../../src/call/replay.js';

describe('ReplayGuard', () => {
  it('takes each count once, in increasing order, from one nonce per sender', () => {
    const guard = new ReplayGuard();
    expect(guard.accept('alice', 'n1', 1)).toBe(true);
    expect(guard.accept('alice', 'n1', 1)).toBe(false); // duplicate
    expect(guard.accept('alice', 'n1', 3)).toBe(true); // a gap is fine (a box lost on the way)
    expect(guard.accept('alice', 'n1', 2)).toBe(false); // older than one seen
    expect(guard.accept('alice', 'n0', 9)).toBe(false); // another call of the same id
    expect(guard.accept('bob', 'n0', 1)).toBe(true); // senders are apart
    expect(guard.accept('carol', undefined, 1)).toBe(false); // unnumbered boxes are not taken
    expect(guard.accept('carol', 'n', undefined)).toBe(false);
    expect(guard.accept('carol', 'n', 0)).toBe(false);
  });

  it('ReplayCounter counts from 1 under one nonce', () => {
    const counter = new ReplayCounter('nonce');
    expect([counter.next(), counter.next(), counter.next()]).toEqual([1, 2, 3]);
    expect(counter.nonce).toBe('nonce');
  });
});
