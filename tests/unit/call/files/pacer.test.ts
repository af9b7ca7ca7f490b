import { describe, expect, it } from 'vitest';
import {
  PACE_BURST_BYTES,
  PACE_INCREASE_BYTES_PER_S,
  PACE_MIN_BYTES_PER_S,
  PACE_SLACK_MS,
} from '../../../../src/call/files/limits.js';
import { Pacer } from '../../../../src/call/files/pacer.js';

const KiB = 1024;

/** Sends `bytes` in 64 KiB frames evenly over the `ms` before `until`. */
function sendOver(pacer: Pacer, until: number, ms: number, bytes: number): void {
  const frames = bytes / (64 * KiB);
  for (let i = 0; i < frames; i++) pacer.took(until - ms + (i * ms) / frames, 64 * KiB);
}

describe('Pacer: AIMD on round trips of the chat path', () => {
  it('does not pace until a round trip is slow; the first cut halves the rate of the last second', () => {
    const pacer = new Pacer();
    sendOver(pacer, 1000, 1000, 4096 * KiB);
    expect(pacer.wait(1000, 64 * KiB)).toBe(0);
    pacer.sample(1000, 1005, 5);
    pacer.sample(1100, 1110, 10);
    expect(pacer.rate).toBe(Infinity);
    // 5 ms was the lowest: 5 + PACE_SLACK_MS is still fine, one more millisecond is slow.
    pacer.sample(1200, 1205 + PACE_SLACK_MS, 5 + PACE_SLACK_MS);
    expect(pacer.rate).toBe(Infinity);
    pacer.sample(1300, 1306 + PACE_SLACK_MS, 6 + PACE_SLACK_MS);
    // Half of what went in the last second (the frames of 306–1000 ms: ~2.8 MiB).
    expect(pacer.rate).toBeGreaterThan(1000 * KiB);
    expect(pacer.rate).toBeLessThan(2048 * KiB);
  });

  it('cuts once per round trip: a slow one that started before the last cut does not cut again', () => {
    const pacer = new Pacer();
    pacer.sample(0, 5, 5);
    sendOver(pacer, 1000, 1000, 2048 * KiB);
    pacer.late(900, 1000);
    const once = pacer.rate;
    expect(once).toBe(1024 * KiB);
    pacer.sample(950, 1100, 150);
    expect(pacer.rate).toBe(once);
    pacer.sample(1001, 1150, 149);
    expect(pacer.rate).toBe(once / 2);
  });

  it('adds PACE_INCREASE_BYTES_PER_S per round trip near the lowest, and never goes below the floor', () => {
    const pacer = new Pacer();
    pacer.sample(0, 5, 5);
    sendOver(pacer, 1000, 1000, 128 * KiB);
    pacer.late(999, 1000);
    expect(pacer.rate).toBe(PACE_MIN_BYTES_PER_S);
    for (let i = 0; i < 10; i++) pacer.sample(1000 + i * 100, 1005 + i * 100, 5);
    expect(pacer.rate).toBe(PACE_MIN_BYTES_PER_S + 10 * PACE_INCREASE_BYTES_PER_S);
    pacer.late(2000, 2100);
    pacer.late(2200, 2300);
    pacer.late(2400, 2500);
    expect(pacer.rate).toBe(PACE_MIN_BYTES_PER_S);
  });

  it('the lowest round trip is of the last 10 s: a machine that got busier is judged by its new normal', () => {
    const pacer = new Pacer();
    pacer.sample(0, 2, 2);
    expect(pacer.base(9_000)).toBe(2);
    pacer.sample(11_000, 11_040, 40);
    expect(pacer.base(11_000)).toBe(40);
    expect(pacer.rate).toBe(Infinity);
  });

  it('paces at its rate after a burst of two frames, and reset lifts the pace', () => {
    const pacer = new Pacer();
    pacer.sample(0, 5, 5);
    sendOver(pacer, 1000, 1000, 1024 * KiB);
    pacer.late(999, 1000);
    expect(pacer.rate).toBe(512 * KiB);
    const frame = 64 * KiB + 12;
    // A burst of two frames goes at once, the third waits a frame's time at 512 KiB/s.
    expect(PACE_BURST_BYTES).toBe(2 * frame);
    expect(pacer.wait(1000, frame)).toBe(0);
    pacer.took(1000, frame);
    expect(pacer.wait(1000, frame)).toBe(0);
    pacer.took(1000, frame);
    const wait = pacer.wait(1000, frame);
    expect(wait).toBe(Math.ceil((frame * 1000) / (512 * KiB)));
    expect(pacer.wait(1000 + wait, frame)).toBe(0);
    // Over a second, it sends its rate (and the burst), no more.
    let sent = 0;
    for (let now = 1000; now < 2000;) {
      const w = pacer.wait(now, frame);
      if (w > 0) now += w;
      else {
        pacer.took(now, frame);
        sent += frame;
      }
    }
    expect(sent).toBeLessThanOrEqual(512 * KiB + 2 * frame);
    expect(sent).toBeGreaterThanOrEqual(512 * KiB - frame);
    pacer.reset();
    expect(pacer.rate).toBe(Infinity);
    expect(pacer.wait(2000, frame)).toBe(0);
  });
});
