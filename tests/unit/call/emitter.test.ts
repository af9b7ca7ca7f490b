import { describe, expect, it } from 'vitest';
import { Emitter } from '../../../src/call/emitter.js';

class Probe extends Emitter<{ a: [number]; b: [string, boolean] }> {
  fire<K extends 'a' | 'b'>(event: K, ...args: K extends 'a' ? [number] : [string, boolean]): void {
    (this.emit as (e: K, ...a: unknown[]) => void)(event, ...args);
  }
  clear(): void {
    this.removeAllListeners();
  }
}

describe('Emitter', () => {
  it('calls the listeners of an event, in order, with its arguments', () => {
    const probe = new Probe();
    const calls: unknown[] = [];
    probe.on('a', (n) => calls.push(['a1', n]));
    probe.on('b', (s, f) => calls.push(['b', s, f]));
    probe.on('a', (n) => calls.push(['a2', n]));
    probe.fire('a', 1);
    probe.fire('b', 'x', true);
    expect(calls).toEqual([
      ['a1', 1],
      ['a2', 1],
      ['b', 'x', true],
    ]);
  });

  it('on() returns the function that removes that listener only', () => {
    const probe = new Probe();
    const calls: number[] = [];
    const off = probe.on('a', (n) => calls.push(n));
    probe.on('a', (n) => calls.push(n * 10));
    off();
    off();
    probe.fire('a', 2);
    expect(calls).toEqual([20]);
  });

  it('lets a listener remove itself or add another while an event is emitted', () => {
    const probe = new Probe();
    const calls: string[] = [];
    const off = probe.on('a', () => {
      calls.push('first');
      off();
      probe.on('a', () => calls.push('added'));
    });
    probe.on('a', () => calls.push('second'));
    probe.fire('a', 0);
    expect(calls).toEqual(['first', 'second']);
    probe.fire('a', 0);
    expect(calls).toEqual(['first', 'second', 'second', 'added']);
  });

  it('removeAllListeners() silences every event', () => {
    const probe = new Probe();
    const calls: unknown[] = [];
    probe.on('a', (n) => calls.push(n));
    probe.on('b', (s) => calls.push(s));
    probe.clear();
    probe.fire('a', 1);
    probe.fire('b', 'x', false);
    expect(calls).toEqual([]);
  });
});
