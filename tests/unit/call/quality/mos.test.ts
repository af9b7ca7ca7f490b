import { describe, expect, it } from 'vitest';
import {
  barsFromMos,
  effectiveLatencyMs,
  mos,
  mosFromR,
  rFactor,
  scoreSample,
} from '../../../../src/call/quality/mos.js';
import { sample } from './samples.js';

describe('MOS (simplified G.107 E-model)', () => {
  it('scores a perfect call 4.40', () => {
    const c = { rttMs: 0, jitterMs: 0, lossPercent: 0 };
    // latency = 0/2 + 2·0 + 10 = 10 ms → Id = 10/40 = 0.25; Ie = 0
    expect(effectiveLatencyMs(c)).toBe(10);
    // R = 93.2 − 0.25 − 0 = 92.95
    expect(rFactor(c)).toBeCloseTo(92.95, 10);
    // MOS = 1 + 0.035·92.95 + 7e-6·92.95·(92.95−60)·(100−92.95)
    //     = 1 + 3.25325 + 7e-6·92.95·32.95·7.05 = 1 + 3.25325 + 7e-6·21592.05 = 1 + 3.25325 + 0.15114 = 4.40439
    expect(mos(c)).toBeCloseTo(4.40439, 4);
  });

  it('scores 100 ms RTT, 20 ms jitter, 1 % loss 4.29', () => {
    const c = { rttMs: 100, jitterMs: 20, lossPercent: 1 };
    // latency = 100/2 + 2·20 + 10 = 100 ms (< 160) → Id = 100/40 = 2.5; Ie = 2.5·1 = 2.5
    expect(effectiveLatencyMs(c)).toBe(100);
    // R = 93.2 − 2.5 − 2.5 = 88.2
    expect(rFactor(c)).toBeCloseTo(88.2, 10);
    // MOS = 1 + 3.087 + 7e-6·88.2·28.2·11.8 = 1 + 3.087 + 7e-6·29349.432 = 1 + 3.087 + 0.205446 = 4.292446
    expect(mos(c)).toBeCloseTo(4.292446, 5);
  });

  it('scores 400 ms RTT, 30 ms jitter, 5 % loss 3.39 (the long-latency branch)', () => {
    const c = { rttMs: 400, jitterMs: 30, lossPercent: 5 };
    // latency = 200 + 60 + 10 = 270 ms (≥ 160) → Id = (270 − 120)/10 = 15; Ie = 2.5·5 = 12.5
    // R = 93.2 − 15 − 12.5 = 65.7
    expect(rFactor(c)).toBeCloseTo(65.7, 10);
    // MOS = 1 + 0.035·65.7 + 7e-6·65.7·5.7·34.3 = 1 + 2.2995 + 7e-6·12845.007 = 1 + 2.2995 + 0.089915 = 3.389415
    expect(mos(c)).toBeCloseTo(3.389415, 5);
  });

  it('joins the two delay branches at 160 ms', () => {
    // RTT 300 → latency 150 + 0 + 10 = 160: (160 − 120)/10 = 4 = 160/40
    expect(rFactor({ rttMs: 300, jitterMs: 0, lossPercent: 0 })).toBeCloseTo(93.2 - 4, 10);
    expect(rFactor({ rttMs: 299.98, jitterMs: 0, lossPercent: 0 })).toBeCloseTo(93.2 - 4, 3);
  });

  it('clamps to 1 … 4.5', () => {
    // 40 % loss: Ie = 100 → R = 93.2 − 0.25 − 100 < 0 → 1
    expect(mos({ rttMs: 0, jitterMs: 0, lossPercent: 40 })).toBe(1);
    // small positive R: the cubic dips just below 1 (R = 5: 1 + 0.175 + 7e-6·5·(−55)·95 = 0.992) → 1
    expect(mosFromR(5)).toBe(1);
    expect(mosFromR(120)).toBe(4.5);
  });

  it('gives bars on G.107 Annex B satisfaction bands (R 50/60/70/80/90)', () => {
    expect(barsFromMos(mos({ rttMs: 0, jitterMs: 0, lossPercent: 0 }))).toBe(5); // R 92.95
    expect(barsFromMos(mos({ rttMs: 100, jitterMs: 20, lossPercent: 1 }))).toBe(4); // R 88.2
    expect(barsFromMos(mos({ rttMs: 400, jitterMs: 30, lossPercent: 5 }))).toBe(2); // R 65.7
    expect(barsFromMos(mosFromR(70))).toBe(3); // exactly on a band edge counts
    expect(barsFromMos(mosFromR(55))).toBe(1);
    expect(barsFromMos(1)).toBe(0);
  });

  it('scores a sample by its worse direction, and not before loss is known', () => {
    expect(scoreSample(sample({}))).toBeUndefined();
    const score = scoreSample(
      sample({ rttMs: 100, inAudio: { loss: 1, jitter: 20 }, outAudio: { loss: 5, jitter: 20 } }),
    );
    // receive: R 88.2 (above); send: latency 100 → Id 2.5, Ie 12.5 → R 78.2
    // MOS(78.2) = 1 + 2.737 + 7e-6·78.2·18.2·21.8 = 1 + 2.737 + 0.217186 = 3.954186
    expect(score?.receiveMos).toBeCloseTo(4.292446, 5);
    expect(score?.sendMos).toBeCloseTo(3.954186, 5);
    expect(score?.mos).toBeCloseTo(3.954186, 5);
    expect(score?.bars).toBe(3);
  });
});
