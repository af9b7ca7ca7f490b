import { describe, expect, it } from 'vitest';
import { qualityConfig, type QualityLevel } from '../../../../src/call/quality/config.js';
import { describeDecision as decisionMessage } from '../../../../src/call/quality/describe.js';
import { en } from '../../../../src/ui/text/en.js';
import { QualityPolicy, type QualityDecision } from '../../../../src/call/quality/policy.js';
import { demandKbps, LinkSim } from './link-sim.js';
import { alternating, drive, mostInWindow, sample, settledChanges } from './samples.js';

/** A decision as the English call window words it (src/ui/text/en.ts). */
const describeDecision = (d: QualityDecision) => en.decision(decisionMessage(d));

const FIVE_MINUTES = 300;

describe('quality policy', () => {
  describe.each([false, true])('on a modelled Chromium link (allocation probing %s)', (allocationProbe) => {
    it('keeps a clean call at high for 5 minutes without a single decision', () => {
      const policy = new QualityPolicy({ now: 0 });
      const link = new LinkSim({ link: () => 3400, allocationProbe });
      expect(drive(policy, 1, FIVE_MINUTES, (t, level) => link.step(t, level))).toEqual([]);
      expect(policy.decision.level).toBe('high');
    });

    it('reaches audio-only within 4 s of a drop to 100 kbps', () => {
      const policy = new QualityPolicy({ now: 0 });
      const link = new LinkSim({ link: (t) => (t >= 60 ? 100 : 3400), allocationProbe });
      const steps = drive(policy, 1, 180, (t, level) => link.step(t, level));
      expect(steps[0]?.decision).toMatchObject({ level: 'audio-only', reason: 'bandwidth', probing: false });
      expect(steps[0]?.t).toBeLessThanOrEqual(64);
      // and stays there: on a steady bad link the hidden trials of video (3 s later, then after 4, 8, 16,
      // 32, 32 s…) each fail within 2 s
      expect(settledChanges(steps, 'high')).toEqual([steps[0]?.t]);
      const trials = steps.slice(1);
      expect(trials.map((s) => s.decision.reason)).toEqual(
        trials.map((_, i) => (i % 2 === 0 ? 'probe' : 'probe-failed')),
      );
      expect(trials.every((s) => s.decision.settledLevel === 'audio-only')).toBe(true);
      expect(trials[0]!.t - steps[0]!.t).toBe(3);
      const starts = trials.filter((_, i) => i % 2 === 0).map((s) => s.t);
      const ends = trials.filter((_, i) => i % 2 === 1).map((s) => s.t);
      for (const [i, end] of ends.entries()) expect(end - starts[i]!).toBeLessThanOrEqual(2);
      expect(starts.slice(1).map((t, i) => t - ends[i]!)).toEqual([4, 8, 16, 32, 32]);
    });

    it('brings video back only after the hold, then climbs to high and stays', () => {
      const policy = new QualityPolicy({ now: 0 });
      const link = new LinkSim({ link: (t) => (t >= 60 && t < 90 ? 100 : 3400), allocationProbe });
      const steps = drive(policy, 1, 500, (t, level) => link.step(t, level));
      const down = steps[0]!;
      expect(down.decision.level).toBe('audio-only');
      const firstVideo = steps.find((s) => s.decision.level !== 'audio-only')!;
      expect(firstVideo.t).toBeGreaterThanOrEqual(down.t + qualityConfig.audioProbeHoldMs / 1000);
      // the way back starts as a trial the peer does not show yet
      expect(firstVideo.decision).toMatchObject({ level: 'low', settledLevel: 'audio-only', probing: true });
      expect(describeDecision(firstVideo.decision)).toBe(
        'Audio only — checking whether your connection can carry video again…',
      );
      const last = steps.at(-1)!;
      expect(last.decision.level).toBe('high');
      expect(last.t).toBeLessThan(250);
      // one level at a time, at least 20 s apart
      const ups = settledChanges(steps, 'high').slice(1);
      expect(ups).toHaveLength(3);
      expect(mostInWindow(ups, 20)).toBe(1);
    });

    it('does not flap on a link alternating every 2–3 s for 5 minutes, and settles once it steadies', () => {
      const policy = new QualityPolicy({ now: 0 });
      const good = alternating(7, FIVE_MINUTES + 1);
      const link = new LinkSim({ link: (t) => (t > FIVE_MINUTES || good[t] ? 2500 : 100), allocationProbe });
      const steps = drive(policy, 1, 700, (t, level) => link.step(t, level));
      const during = steps.filter((s) => s.t <= FIVE_MINUTES);
      const changes = settledChanges(during, 'high');
      expect(mostInWindow(changes, 20)).toBeLessThanOrEqual(1);
      expect(changes).toEqual([changes[0]]); // one step down, then audio-only holds
      // hidden trials of video back off: the wait after each failed one doubles from 4 s up to 32 s
      const probes = during.filter((s) => s.decision.reason === 'probe').map((s) => s.t);
      const failed = during.filter((s) => s.decision.reason === 'probe-failed').map((s) => s.t);
      const waits = probes.slice(1).map((t, i) => t - failed[i]!);
      expect(probes.length).toBeLessThanOrEqual(10);
      for (const [i, wait] of waits.entries()) expect(wait).toBe(Math.min(4 * 2 ** i, 32));
      // none of them shown: the settled level stays audio-only to the end of the oscillation, and is back at
      // high for good once the link steadies
      expect(during.every((s) => s.t === changes[0] || s.decision.settledLevel === 'audio-only')).toBe(true);
      expect(policy.decision.level).toBe('high');
      expect(steps.filter((s) => s.t > 550)).toEqual([]);
    });

    it('spaces its attempts further apart each time a slower oscillation undoes one', () => {
      const policy = new QualityPolicy({ now: 0 });
      const link = new LinkSim({ link: (t) => (Math.floor(t / 35) % 2 === 0 ? 2500 : 100), allocationProbe });
      const steps = drive(policy, 1, FIVE_MINUTES, (t, level) => link.step(t, level));
      const attempts = steps.filter(
        (s) => s.decision.reason === 'probe' || s.decision.reason === 'recovered',
      );
      const failures = steps.filter((s) => s.decision.level === 'audio-only').map((s) => s.t);
      // after each return to audio-only, the next attempt waits 2 s (+1 for clean samples), then 4, 8, 16 s
      // after failed hidden trials; video the user saw taken back doubles it further (32, then 64 s), where
      // failed hidden trials alone would stop at 32 s
      const waits = failures.map((t) => (attempts.find((a) => a.t > t)?.t ?? Infinity) - t);
      expect(waits.slice(0, 6)).toEqual([3, 4, 8, 16, 32, 64]);
      expect(settledChanges(steps, 'high').length).toBeLessThanOrEqual(8);
    });
  });

  it('reaches audio-only within 4 s on the measured estimate alone, without qualityLimitationReason', () => {
    const policy = new QualityPolicy({ now: 0 });
    // FIELD-NOTES: 100 kbit limit at t = 59.5 s; availableOutgoingBitrate below 150 kbps 1.0–1.5 s later;
    // qualityLimitationReason still 'none' (it reads 'bandwidth' only after 7.5–8 s); no loss reported yet.
    const available = (t: number) => (t < 60 ? 3400 : t === 60 ? 900 : t === 61 ? 120 : t === 62 ? 110 : 100);
    const steps = drive(policy, 1, 70, (t) =>
      sample({ available: available(t), loss: 0, limitation: 'none' }),
    );
    expect(steps).toHaveLength(1);
    expect(steps[0]!.t).toBeLessThanOrEqual(63.5);
    expect(steps[0]!.decision).toMatchObject({ level: 'audio-only', reason: 'bandwidth' });
    expect(steps[0]!.decision.figures.availableKbps).toBe(110);
    expect(describeDecision(steps[0]!.decision)).toBe(
      'Audio only — your connection is too slow for video (upload ~110 kbps). Video will come back by itself.',
    );
  });

  it('does not flap on samples alternating good and lossy every 2–3 s', () => {
    const policy = new QualityPolicy({ now: 0 });
    const good = alternating(3, FIVE_MINUTES + 1);
    const steps = drive(policy, 1, FIVE_MINUTES, (t, level) =>
      good[t]
        ? sample({ available: 2500, loss: 0, send: Math.min(demandKbps[level], 2500) })
        : sample({ available: 100, loss: 15, send: 100 }),
    );
    expect(mostInWindow(settledChanges(steps, 'high'), 20)).toBeLessThanOrEqual(1);
    // one step down; after it only hidden trials of video, each failing within 2 s
    expect(steps[0]!.decision.level).toBe('audio-only');
    expect(settledChanges(steps, 'high')).toEqual([steps[0]!.t]);
    const trials = steps.slice(1);
    expect(trials.map((s) => s.decision.reason)).toEqual(
      trials.map((_, i) => (i % 2 === 0 ? 'probe' : 'probe-failed')),
    );
    for (let i = 1; i < trials.length; i += 2) expect(trials[i]!.t - trials[i - 1]!.t).toBeLessThanOrEqual(2);
  });

  it('steps down as far as the bad samples say: 6 % loss → medium, 15 % → audio-only', () => {
    for (const [loss, level] of [
      [3, undefined],
      [6, 'medium'],
      [15, 'audio-only'],
    ] as const) {
      const policy = new QualityPolicy({ now: 0 });
      const link = new LinkSim({ link: () => 3400, randomLoss: (t) => (t >= 60 ? loss : 0) });
      const steps = drive(policy, 1, 200, (t, l) => link.step(t, l));
      expect(steps.map((s) => [s.decision.level, s.decision.reason])).toEqual(level ? [[level, 'loss']] : []);
    }
    const policy = new QualityPolicy({ now: 0 });
    const steps = drive(policy, 1, 70, (t) => sample({ available: 3000, loss: t >= 60 ? 15 : 0 }));
    expect(describeDecision(steps[0]!.decision)).toBe(
      'Audio only — your connection is losing too much data for video (~15% lost). Video will come back by itself.',
    );
  });

  it('ignores the first seconds, while the estimate is still ramping up from 300 kbps', () => {
    const policy = new QualityPolicy({ now: 0 });
    const steps = drive(policy, 1, 60, (t) => sample({ available: t < 4 ? 300 : 3000, loss: 0 }));
    expect(steps).toEqual([]);
  });

  it('brings video back when loss is known only from audio RTCP every 5 s (measured while audio-only)', () => {
    const policy = new QualityPolicy({ now: 0 });
    // Chromium while audio-only: ~24 kbps sent, estimate ~110 kbps, a fresh receiver report every ~5 s.
    const report = (t: number, loss: number) => (t % 5 === 0 ? { loss } : {});
    const at = (t: number, level: QualityLevel) =>
      t < 60
        ? sample({ available: 3400, loss: 0, send: 2500 })
        : t < 90
          ? sample({ available: 100, send: 90, ...report(t, 20) })
          : level === 'audio-only'
            ? sample({ available: 113, send: 24, ...report(t, 0) })
            : sample({ available: 600, send: 280, ...report(t, 0) });
    const steps = drive(policy, 1, 200, at);
    expect(steps[0]?.decision.level).toBe('audio-only');
    const back = steps.find((s) => s.decision.level !== 'audio-only' && !s.decision.probing);
    expect(back?.decision).toMatchObject({ level: 'low', reason: 'probe-succeeded' });
    expect(back!.t).toBeLessThan(140);
  });

  it('works from loss alone when there is no bandwidth estimate (Firefox)', () => {
    const policy = new QualityPolicy({ now: 0 });
    const steps = drive(policy, 1, 300, (t) => sample({ loss: t >= 60 && t < 90 ? 15 : 0 }));
    expect(steps.map((s) => [s.t, s.decision.level, s.decision.reason])).toEqual([
      [62, 'audio-only', 'loss'],
      [100, 'low', 'recovered'], // 10 s of clean samples after the loss ends (no estimate: no trial)
      [120, 'medium', 'recovered'], // then one level per 20 s
      [140, 'high', 'recovered'],
    ]);
  });

  it('does not step up while the encoder says it is limited by bandwidth or CPU', () => {
    for (const limitation of ['bandwidth', 'cpu', 'none'] as const) {
      const policy = new QualityPolicy({ now: 0, initialLevel: 'medium' });
      const steps = drive(policy, 1, 120, () => sample({ available: 1200, loss: 0, send: 1150, limitation }));
      expect(steps.map((s) => s.decision.level)).toEqual(limitation === 'none' ? ['high'] : []);
    }
  });

  it('waits the same number of samples when the sampling timer fires a little early or late', () => {
    // bench:quality: samples came 947–1052 ms apart. A wait of n samples must stay n samples, not become n + 1
    // whenever they come 998 ms apart: steps, trials, holds, the revert window and an override's end alike.
    const run = (intervalMs: number) => {
      const policy = new QualityPolicy({ now: 0 });
      const good = alternating(11, 400);
      const capacity = (t: number) => (t >= 60 && t < 200 ? (good[t] ? 2500 : 100) : 3400);
      const link = new LinkSim({ link: capacity, allocationProbe: true });
      const steps: unknown[] = [];
      for (let t = 1; t <= 400; t += 1) {
        const decision =
          t === 250
            ? policy.tryVideo(t * intervalMs, { level: 'medium' })
            : policy.update(link.step(t, policy.decision.level), t * intervalMs);
        if (decision) steps.push([t, decision.level, decision.reason, decision.probing]);
      }
      return steps;
    };
    const exact = run(1000);
    expect(exact.map((s) => (s as unknown[])[2])).toEqual(
      expect.arrayContaining(['bandwidth', 'probe', 'probe-failed', 'probe-succeeded', 'user-video']),
    );
    expect(run(998)).toEqual(exact);
    expect(run(1002)).toEqual(exact);
  });

  describe('user overrides and the setting', () => {
    it('forced audio-only holds on a clean link until released, then video comes back', () => {
      const policy = new QualityPolicy({ now: 0 });
      const link = new LinkSim({ link: () => 3400 });
      drive(policy, 1, 30, (t, l) => link.step(t, l));
      const forced = policy.forceAudioOnly(30_000);
      expect(forced).toMatchObject({
        level: 'audio-only',
        mode: 'forced-audio-only',
        reason: 'user-audio-only',
      });
      expect(describeDecision(forced!)).toBe(
        'Audio only, as you chose. Video stays off until you turn it back on.',
      );
      expect(policy.forceAudioOnly(31_000)).toBeUndefined();
      expect(drive(policy, 31, 200, (t, l) => link.step(t, l))).toEqual([]);
      const released = policy.release(200_000);
      expect(released).toMatchObject({
        level: 'high',
        probing: true,
        settledLevel: 'audio-only',
        mode: 'auto',
      });
      const after = drive(policy, 201, 260, (t, l) => link.step(t, l));
      expect(after.map((s) => [s.decision.level, s.decision.reason])).toEqual([['high', 'probe-succeeded']]);
      expect(policy.release(260_000)).toBeUndefined();
    });

    it('"Try video anyway" keeps video on a bad link for its time, then falls back at once', () => {
      const policy = new QualityPolicy({ now: 0 });
      const link = new LinkSim({ link: (t) => (t >= 20 ? 100 : 3400) });
      drive(policy, 1, 40, (t, l) => link.step(t, l));
      expect(policy.decision.level).toBe('audio-only');
      const forced = policy.tryVideo(40_000);
      expect(forced).toMatchObject({ level: 'low', mode: 'forced-video', overrideUntil: 160_000 });
      expect(describeDecision(forced)).toBe(
        'Video on at low quality, as you asked — it may freeze on this connection. Automatic audio-only is paused for 2 minutes.',
      );
      const steps = drive(policy, 41, 200, (t, l) => link.step(t, l));
      expect(steps[0]).toMatchObject({
        t: 160,
        decision: { level: 'audio-only', mode: 'auto', reason: 'bandwidth' },
      });
      expect(settledChanges(steps, 'low')).toEqual([160]); // later trials of video fail: the link is still bad
    });

    it('"Try video anyway" at a chosen level lasts until released when asked to', () => {
      const policy = new QualityPolicy({ now: 0 });
      const bad = () => sample({ available: 90, loss: 20, send: 90 });
      drive(policy, 1, 20, bad);
      policy.tryVideo(20_000, { level: 'medium', durationMs: Infinity });
      expect(drive(policy, 21, 1000, bad)).toEqual([]);
      expect(policy.decision).toMatchObject({ level: 'medium', mode: 'forced-video' });
      expect(describeDecision(policy.decision)).toContain('paused until you switch it back on');
      // the user's latest choice wins
      expect(policy.forceAudioOnly(1_000_000)).toMatchObject({
        level: 'audio-only',
        mode: 'forced-audio-only',
      });
      expect(policy.release(1_001_000)).toMatchObject({ level: 'audio-only', mode: 'auto' });
    });

    it('with automatic fallback off, never goes audio-only by itself but still lowers video', () => {
      const policy = new QualityPolicy({ now: 0, autoFallback: false });
      const link = new LinkSim({ link: (t) => (t >= 60 ? 100 : 3400) });
      const steps = drive(policy, 1, 60 + FIVE_MINUTES, (t, l) => link.step(t, l));
      expect(steps.map((s) => [s.decision.level, s.decision.reason])).toEqual([['low', 'bandwidth']]);
      expect(describeDecision(steps[0]!.decision)).toBe(
        'Video lowered to low quality — your connection is slow (upload ~110 kbps). Automatic audio-only is off in your settings.',
      );
    });

    it('with automatic fallback off, a call already at low whose upload collapses is told so once', () => {
      // e.g. video came back at low after an earlier outage, then the upload starves again.
      const policy = new QualityPolicy({ now: 0, autoFallback: false, initialLevel: 'low' });
      const steps = drive(policy, 1, 120, () => sample({ available: 90, loss: 0, send: 60 }));
      expect(steps.map((s) => [s.t, s.decision.level, s.decision.reason])).toEqual([[6, 'low', 'bandwidth']]);
      expect(describeDecision(steps[0]!.decision)).toBe(
        'Video lowered to low quality — your connection is slow (upload ~90 kbps). Automatic audio-only is off in your settings.',
      );
      // A lossy link is named as such.
      const lossy = new QualityPolicy({ now: 0, autoFallback: false, initialLevel: 'low' });
      const lossSteps = drive(lossy, 1, 30, () => sample({ available: 2000, loss: 30, send: 150 }));
      expect(lossSteps.map((s) => [s.decision.level, s.decision.reason])).toEqual([['low', 'loss']]);
    });

    it('switching fallback off while audio-only brings video back at low; on again lets it fall back', () => {
      const policy = new QualityPolicy({ now: 0 });
      const bad = () => sample({ available: 90, loss: 0, send: 60 });
      drive(policy, 1, 20, bad);
      expect(policy.decision.level).toBe('audio-only');
      expect(policy.setAutoFallback(false, 20_000)).toMatchObject({
        level: 'low',
        reason: 'fallback-disabled',
      });
      expect(drive(policy, 21, 100, bad)).toEqual([]);
      expect(policy.setAutoFallback(false, 100_000)).toBeUndefined();
      expect(policy.setAutoFallback(true, 100_000)).toMatchObject({ level: 'low', autoFallback: true });
      const steps = drive(policy, 101, 110, bad);
      expect(steps.map((s) => [s.t, s.decision.level])).toEqual([[101, 'audio-only']]);
    });
  });

  it('describes where automatic control may next step up', () => {
    const policy = new QualityPolicy({ now: 0 });
    const steps = drive(policy, 1, 10, () => sample({ available: 100, loss: 0, send: 60 }));
    expect(steps[0]!.decision).toMatchObject({
      at: 6000, // the 3rd bad sample after the 4 s start grace
      mode: 'auto',
      autoFallback: true,
      overrideUntil: undefined,
      nextStepUpAt: 8_000, // a hidden trial of video may come 2 s after a step down to audio-only
      figures: { availableKbps: 100, lossPercent: 0, sendKbps: 60 },
    });
    expect(new QualityPolicy({ now: 0 }).decision).toMatchObject({
      level: 'high',
      reason: 'start',
      nextStepUpAt: undefined,
    });
  });
});
