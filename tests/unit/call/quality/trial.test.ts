import { describe, expect, it } from 'vitest';
import { qualityConfig, type QualityLevel } from '../../../../src/call/quality/config.js';
import { QualityPolicy } from '../../../../src/call/quality/policy.js';
import type { Signals } from '../../../../src/call/quality/signals.js';
import { Trial } from '../../../../src/call/quality/trial.js';
import { LinkSim } from './link-sim.js';
import { alternating, drive, mostInWindow, settledChanges } from './samples.js';

const FIVE_MINUTES = 300;

/** One second's signals: the estimate (kbps) and loss (%) a trial is judged on. */
const at = (availableKbps: number | undefined, lossPercent?: number): Signals => ({
  availableKbps,
  lossPercent,
  sendKbps: 50,
  limitation: undefined,
});

/** Feeds one sample a second from t = 1; the second and verdict of the first verdict. */
function judge(trial: Trial, samples: readonly Signals[], settled: QualityLevel = 'audio-only') {
  for (const [i, s] of samples.entries()) {
    const verdict = trial.judge(s, (i + 1) * 1000, settled);
    if (verdict) return { second: i + 1, verdict };
  }
  return undefined;
}

describe('a hidden trial (trial.ts)', () => {
  const low = qualityConfig.levels.low;

  it('succeeds once it has lasted probeConfirmSamples and all but the first were at the up line', () => {
    const trial = new Trial('low', 0, 84);
    const samples = [at(200), ...Array.from({ length: 9 }, () => at(low.upKbps))];
    expect(judge(trial, samples)).toEqual({
      second: qualityConfig.probeConfirmSamples,
      verdict: { outcome: 'succeeded', level: 'low' },
    });
  });

  it('fails on probeFailSamples congested samples after its first (loss past upLossPercent)', () => {
    const trial = new Trial('low', 0, 84);
    const lossy = at(low.upKbps, qualityConfig.upLossPercent + 1);
    const samples = Array.from({ length: qualityConfig.probeFailSamples + 1 }, () => lossy);
    expect(judge(trial, samples)).toEqual({
      second: qualityConfig.probeFailSamples + 1,
      verdict: { outcome: 'failed' },
    });
  });

  it('does not count its first loss report, of the time before the trial, where an estimate judges it', () => {
    // Lab (100 kbit limit lifted 3 s before the trial): the first sample after the video came back reported the
    // retransmissions lost under the limit; Chromium's probe had found the link free. Then a moment of loss as
    // the probe fills the queue, then clean.
    const samples = [at(97, 13.3), at(611, 3), at(611, 0), at(611, 0), at(611, 0)];
    expect(judge(new Trial('low', 0, 81), samples)).toEqual({
      second: 5,
      verdict: { outcome: 'succeeded', level: 'low' },
    });
    // The report can come with the second sample (lab: none in the first, 52 % in the second, then 8.6 %).
    const late = [at(133), at(147, 52), at(155, 8.6), at(621, 0), at(621, 0), at(621, 0)];
    expect(judge(new Trial('low', 0, 112), late)).toEqual({
      second: 6,
      verdict: { outcome: 'succeeded', level: 'low' },
    });
    // Without an estimate (Firefox) the same loss is all there is to judge by: it counts.
    const blind = samples.map((s) => ({ ...s, availableKbps: undefined }));
    expect(judge(new Trial('low', 0, undefined), blind)).toEqual({
      second: 2,
      verdict: { outcome: 'failed' },
    });
  });

  it('lets one later loss report pass while the estimate holds the up line; a second ends the trial', () => {
    // Lab (100 kbit limit lifted 4–6 s before the trial): Chromium's probe put the estimate at 511–619 kbps and
    // it stayed there, while a later report said 41 % (video) or 3.5 % (audio), of the seconds before.
    const succeeded = { outcome: 'succeeded', level: 'low' };
    expect(judge(new Trial('low', 0, 98), [at(575, 0), at(575, 41), at(575, 0), at(575, 0)])).toEqual({
      second: 4,
      verdict: succeeded,
    });
    const audioLate = [at(511, 62.5), at(619, 0), at(619, 0), at(619, 3.5), at(619, 0)];
    expect(judge(new Trial('low', 0, 95), audioLate)).toEqual({ second: 4, verdict: succeeded });
    // Loss that repeats is real: the second congested sample ends the trial.
    expect(judge(new Trial('low', 0, 98), [at(575, 0), at(575, 41), at(575, 5)])).toEqual({
      second: 3,
      verdict: { outcome: 'failed' },
    });
    // Without an estimate (Firefox) the loss is all there is: it undoes the run.
    const blind = [at(undefined, 0), at(undefined, 5), ...Array.from({ length: 5 }, () => at(undefined, 0))];
    expect(judge(new Trial('low', 0, undefined), blind)).toEqual({ second: 5, verdict: succeeded });
  });

  it('fails when the estimate has neither risen nor reached the up line after probeRiseSamples', () => {
    const trial = new Trial('low', 0, 84);
    const flat = Array.from({ length: qualityConfig.probeRiseSamples }, () => at(84));
    expect(judge(trial, flat)).toEqual({
      second: qualityConfig.probeRiseSamples,
      verdict: { outcome: 'failed' },
    });
  });

  it('without an estimate (Firefox) is judged on loss alone', () => {
    const clean = Array.from({ length: 9 }, () => at(undefined, 0));
    expect(judge(new Trial('low', 0, undefined), clean)).toEqual({
      second: qualityConfig.probeConfirmSamples,
      verdict: { outcome: 'succeeded', level: 'low' },
    });
    const lossy = Array.from({ length: 9 }, () => at(undefined, qualityConfig.upLossPercent + 1));
    expect(judge(new Trial('low', 0, undefined), lossy)).toEqual({
      second: qualityConfig.probeFailSamples,
      verdict: { outcome: 'failed' },
    });
  });

  it('after probeMaxMs settles at the best level its samples support, if above the settled one', () => {
    const medium = qualityConfig.levels.medium;
    // Risen from 200, never congested, but never at medium's up line: not confirmed, judged at probeMaxMs.
    const between = Array.from({ length: 20 }, () => at((medium.minKbps + medium.upKbps) / 2));
    const seconds = qualityConfig.probeMaxMs / 1000;
    expect(judge(new Trial('medium', 0, 200), between, 'low')).toEqual({
      second: seconds,
      verdict: { outcome: 'succeeded', level: 'medium' },
    });
    // Samples that support only the settled level: the trial fails at probeMaxMs.
    const lowOnly = Array.from({ length: 20 }, () => at((low.upKbps + medium.minKbps) / 2));
    expect(judge(new Trial('medium', 0, 200), lowOnly, 'low')).toEqual({
      second: seconds,
      verdict: { outcome: 'failed' },
    });
  });
});

describe('quality policy: video back through hidden trials', () => {
  /** Seconds from the lift to the settled level leaving audio-only, for a 100 kbps limit from t = 60. */
  function videoBack(liftAt: number, allocationProbe: boolean): number {
    const policy = new QualityPolicy({ now: 0 });
    const link = new LinkSim({ link: (t) => (t >= 60 && t < liftAt ? 100 : 3400), allocationProbe });
    const steps = drive(policy, 1, liftAt + 150, (t, level) => link.step(t, level));
    expect(steps[0]!.decision.level).toBe('audio-only');
    const back = steps.find((s) => s.t >= liftAt && s.decision.settledLevel !== 'audio-only');
    expect(back?.decision).toMatchObject({ level: 'low', reason: 'probe-succeeded', probing: false });
    return back!.t - liftAt;
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  it('within 10 s (median) when the limit goes 5–20 s after the step down, as Chromium probes', () => {
    // The step down lands at t = 62; lifts at every second from 67 to 82.
    const backs = range(67, 82).map((lift) => videoBack(lift, true));
    expect(median(backs)).toBeLessThanOrEqual(10);
    expect(Math.max(...backs)).toBeLessThanOrEqual(13);
    // Without Chromium's probe the estimate climbs ~18 kbps per second and a trial takes ~8 s to confirm.
    expect(median(range(67, 82).map((lift) => videoBack(lift, false)))).toBeLessThanOrEqual(12);
  });

  it('within ~37 s of any lift in the first 3 minutes: failed trials wait at most 32 s', () => {
    const backs = range(67, 240).map((lift) => videoBack(lift, true));
    expect(Math.max(...backs)).toBeLessThanOrEqual(qualityConfig.maxAudioProbeHoldMs / 1000 + 5);
  });

  it('under a steady limit or an oscillating one: one switch; hidden trials ≤ 10 % / 20 % of the time', () => {
    const good = alternating(11, FIVE_MINUTES + 61);
    const links = {
      steady: (t: number) => (t >= 60 ? 100 : 3400),
      oscillating: (t: number) => (t < 60 ? 3400 : good[t] ? 2500 : 100),
    };
    for (const [name, capacity] of Object.entries(links)) {
      const policy = new QualityPolicy({ now: 0 });
      const link = new LinkSim({ link: capacity, allocationProbe: true });
      const trialSeconds: number[] = [];
      const steps = drive(policy, 1, 60 + FIVE_MINUTES, (t, level) => {
        if (policy.decision.probing) trialSeconds.push(t);
        return link.step(t, level);
      });
      const changes = settledChanges(steps, 'high');
      expect(changes, name).toHaveLength(1);
      expect(mostInWindow(changes, 20), name).toBe(1);
      // A trial on a link that is good half the time lasts until its second congested sample (~4 s).
      expect(trialSeconds.length, name).toBeLessThanOrEqual(FIVE_MINUTES / (name === 'steady' ? 10 : 5));
    }
  });
});
