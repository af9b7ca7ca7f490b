import { describe, expect, it } from 'vitest';
import { QualityMonitor, type QualityReading } from '../../../../src/call/quality/monitor.js';
import type { QualityDecision } from '../../../../src/call/quality/policy.js';
import { chromeReport, healthySecond, ids, next, type Stat } from './chrome-stats.js';
import { FakeTimers, settle } from '../fakes.js';

/** getStats for a call whose reports advance one healthy second per call (timestamps follow the fake clock). */
function fakeCall(timers: FakeTimers, tweak: (report: Stat[], now: number) => Stat[] = (r) => r) {
  let report = chromeReport(1_000_000);
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    getStats: async () => {
      calls += 1;
      report = tweak(healthySecond(report), timers.now());
      return new Map(report.map((stat) => [stat.id, stat]));
    },
  };
}

function record(monitor: QualityMonitor) {
  const readings: QualityReading[] = [];
  const decisions: QualityDecision[] = [];
  const errors: unknown[] = [];
  monitor.on('sample', (r) => readings.push(r));
  monitor.on('decision', (d) => decisions.push(d));
  monitor.on('error', (e) => errors.push(e));
  return { readings, decisions, errors };
}

describe('quality monitor', () => {
  it('samples once a second and scores, stores and emits each sample', async () => {
    const timers = new FakeTimers();
    const call = fakeCall(timers);
    const monitor = new QualityMonitor({ getStats: call.getStats, timers });
    const { readings, decisions } = record(monitor);
    monitor.start();
    await timers.advanceSettling(10_000);
    expect(readings.map((r) => r.at)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((s) => s * 1000));
    expect(readings[0]!.sample.outbound.bitrateKbps).toBeUndefined(); // the first has nothing to diff against
    expect(readings[1]!.sample.outbound.video.bitrateKbps).toBeCloseTo(2500);
    expect(readings[1]!.score?.bars).toBe(5);
    expect(readings.every((r) => r.level === 'high')).toBe(true);
    expect(monitor.history).toEqual(readings);
    expect(decisions).toEqual([]);
    monitor.stop();
  });

  it('keeps one minute of history', async () => {
    const timers = new FakeTimers();
    const monitor = new QualityMonitor({ getStats: fakeCall(timers).getStats, timers });
    monitor.start();
    await timers.advanceSettling(70_000);
    expect(monitor.history).toHaveLength(60);
    expect(monitor.history[0]!.at).toBe(11_000);
    monitor.stop();
  });

  it('stop() leaves no timer, is idempotent, and drops an answer still in flight', async () => {
    const timers = new FakeTimers();
    let release: (() => void) | undefined;
    const getStats = () =>
      new Promise<Stat[]>((resolve) => {
        release = () => resolve(chromeReport());
      });
    const monitor = new QualityMonitor({ getStats, timers });
    const { readings } = record(monitor);
    const stop = monitor.start();
    monitor.start(); // no second interval
    expect(timers.pending).toBe(1);
    await timers.advanceSettling(1000);
    stop();
    monitor.stop();
    expect(timers.pending).toBe(0);
    expect(monitor.running).toBe(false);
    release?.();
    await settle();
    await timers.advanceSettling(5000);
    expect(readings).toEqual([]);
  });

  it('does not queue calls behind a slow getStats', async () => {
    const timers = new FakeTimers();
    let calls = 0;
    const monitor = new QualityMonitor({
      getStats: () => ((calls += 1), new Promise<Stat[]>(() => {})),
      timers,
    });
    monitor.start();
    await timers.advanceSettling(5000);
    expect(calls).toBe(1);
    monitor.stop();
  });

  it('keeps sampling when getStats fails', async () => {
    const timers = new FakeTimers();
    const call = fakeCall(timers);
    let n = 0;
    const getStats = () => (++n === 2 || n === 3 ? Promise.reject(new Error('pc closed')) : call.getStats());
    const monitor = new QualityMonitor({ getStats, timers });
    const { readings, errors } = record(monitor);
    monitor.start();
    await timers.advanceSettling(5000);
    expect(errors).toHaveLength(2);
    expect(readings.map((r) => r.at)).toEqual([1000, 4000, 5000]);
    // the diff spans the gap: rates come out per second of the real interval
    expect(readings[1]!.sample.outbound.video.bitrateKbps).toBeCloseTo(2500);
    monitor.stop();
  });

  it('emits a decision when the upload collapses, and at once for a user override', async () => {
    const timers = new FakeTimers();
    // from t = 20 s the estimate reads 100 kbps and video bytes stop growing
    const call = fakeCall(timers, (report, now) =>
      now < 20_000 ? report : next(report, 0, { [ids.pair]: { set: { availableOutgoingBitrate: 100_000 } } }),
    );
    const monitor = new QualityMonitor({ getStats: call.getStats, timers });
    const { decisions } = record(monitor);
    monitor.start();
    await timers.advanceSettling(30_000);
    expect(decisions.map((d) => [d.at, d.level, d.reason])).toEqual([[22_000, 'audio-only', 'bandwidth']]);
    expect(monitor.decision.level).toBe('audio-only');
    monitor.tryVideo();
    expect(decisions.at(-1)).toMatchObject({ level: 'low', mode: 'forced-video', at: 30_000 });
    monitor.forceAudioOnly();
    monitor.releaseOverride();
    monitor.setAutoFallback(false);
    expect(decisions.slice(-3).map((d) => d.reason)).toEqual([
      'user-audio-only',
      'user-released',
      'fallback-disabled',
    ]);
    monitor.stop();
  });
});
