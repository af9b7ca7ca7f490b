import { describe, expect, it } from 'vitest';
import {
  deriveSample,
  qualitySample,
  readStats,
  type StatsInput,
} from '../../../../src/call/quality/stats.js';
import { chromeReport, healthySecond, ids, next, T0, type Stat } from './chrome-stats.js';

const sampleOf = (previous: Stat[] | undefined, current: Stat[]) => qualitySample(previous, current);

describe('quality stats: one sample from two reports', () => {
  it('reads gauges but no rates from the first report', () => {
    const s = sampleOf(undefined, chromeReport());
    expect(s.timestamp).toBe(T0);
    expect(s.intervalMs).toBeUndefined();
    expect(s.rttMs).toBeCloseTo(48); // selected pair currentRoundTripTime 0.048 s
    expect(s.availableOutgoingKbps).toBeCloseTo(3412.16);
    expect(s.sendKbps).toBeUndefined();
    expect(s.outbound.bitrateKbps).toBeUndefined();
    expect(s.outbound.video.framesPerSecond).toBe(30); // no delta yet: Chromium's own figure
    expect(s.outbound.video.resolution).toEqual({ width: 1280, height: 720 });
    expect(s.outbound.video.qualityLimitationReason).toBe('none');
    // fractionLost 0.00390625 (1/256) as a percent; fresh because there is nothing to compare with
    expect(s.outbound.video.packetLossPercent).toBeCloseTo(0.390625);
    expect(s.inbound.audio.packetLossPercent).toBeUndefined(); // needs deltas
    expect(s.inbound.audio.jitterMs).toBeCloseTo(4);
    expect(s.inbound.video.freezes).toBeUndefined();
  });

  it('derives bitrates, loss, fps and freezes from one healthy second', () => {
    const r0 = chromeReport();
    const s = sampleOf(r0, healthySecond(r0));
    expect(s.intervalMs).toBeCloseTo(1000);
    // 312,500 B × 8 / 1000 ms = 2500 kbps; 4,000 B × 8 / 1000 ms = 32 kbps
    expect(s.outbound.video.bitrateKbps).toBeCloseTo(2500);
    expect(s.outbound.audio.bitrateKbps).toBeCloseTo(32);
    expect(s.outbound.bitrateKbps).toBeCloseTo(2532);
    expect(s.sendKbps).toBeCloseTo(2640); // pair: 330,000 B in 1 s
    expect(s.receiveKbps).toBeCloseTo(2632);
    expect(s.outbound.video.framesPerSecond).toBeCloseTo(30); // framesSent +30 in 1 s
    expect(s.outbound.video.targetBitrateKbps).toBeCloseTo(2480);
    expect(s.outbound.audio.jitterMs).toBeCloseTo(2.1);
    expect(s.outbound.video.jitterMs).toBeCloseTo(4.3);
    expect(s.outbound.packetLossPercent).toBeCloseTo(0.390625); // worst of audio 0 % and video 0.39 %
    expect(s.inbound.audio.bitrateKbps).toBeCloseTo(32);
    expect(s.inbound.audio.packetLossPercent).toBe(0);
    expect(s.inbound.video.bitrateKbps).toBeCloseTo(2500);
    expect(s.inbound.video.framesPerSecond).toBeCloseTo(30);
    expect(s.inbound.video.resolution).toEqual({ width: 1280, height: 720 });
    expect(s.inbound.video.freezes).toBe(0);
  });

  it('uses the real interval, not an assumed second', () => {
    const r0 = chromeReport();
    const s = sampleOf(r0, healthySecond(r0, 1250));
    expect(s.intervalMs).toBeCloseTo(1250);
    expect(s.outbound.video.bitrateKbps).toBeCloseTo(2000); // 312,500 × 8 / 1250
    expect(s.outbound.video.framesPerSecond).toBeCloseTo(24); // 30 frames / 1.25 s
  });

  it('computes inbound loss as lost / (lost + received) and counts new freezes', () => {
    const r0 = chromeReport();
    const r1 = next(r0, 1000, {
      [ids.inVideo]: {
        add: { packetsLost: 5, packetsReceived: 495, bytesReceived: 100_000, freezeCount: 2 },
      },
      [ids.inAudio]: { add: { packetsLost: 1, packetsReceived: 49, bytesReceived: 4_000 } },
    });
    const s = sampleOf(r0, r1);
    expect(s.inbound.video.packetLossPercent).toBeCloseTo(1); // 5 / (5 + 495)
    expect(s.inbound.audio.packetLossPercent).toBeCloseTo(2); // 1 / (1 + 49)
    expect(s.inbound.packetLossPercent).toBeCloseTo(2);
    expect(s.inbound.video.freezes).toBe(2);
  });

  it('treats packetsLost going down (late duplicates) as no loss, not negative loss', () => {
    const r0 = chromeReport();
    const r1 = next(r0, 1000, { [ids.inVideo]: { add: { packetsLost: -2, packetsReceived: 260 } } });
    expect(sampleOf(r0, r1).inbound.video.packetLossPercent).toBe(0);
  });

  it('shows video stopped and audio still flowing while the video track is replaced by null', () => {
    const r0 = chromeReport();
    const r1 = next(r0, 1000, {
      [ids.outAudio]: { add: { bytesSent: 4_000, packetsSent: 50 } },
      // no video bytes or frames; Chromium's framesPerSecond gauge may still read the old value
      [ids.remoteInAudio]: { add: { roundTripTimeMeasurements: 1 }, set: { fractionLost: 0.01 } },
      // no new receiver report for video: its fractionLost (25 % from the congestion) is stale
      [ids.remoteInVideo]: { set: { fractionLost: 0.25 } },
      [ids.inAudio]: { add: { bytesReceived: 4_250, packetsReceived: 50 } },
    });
    const s = sampleOf(r0, r1);
    expect(s.outbound.video.bitrateKbps).toBe(0);
    expect(s.outbound.video.framesPerSecond).toBe(0);
    expect(s.outbound.video.resolution).toBeUndefined();
    expect(s.outbound.video.packetLossPercent).toBeUndefined();
    expect(s.outbound.audio.bitrateKbps).toBeCloseTo(32);
    expect(s.outbound.audio.packetLossPercent).toBeCloseTo(1);
    expect(s.outbound.packetLossPercent).toBeCloseTo(1);
    expect(s.inbound.audio.bitrateKbps).toBeCloseTo(34); // 4,250 B × 8 / 1000 ms
  });

  it('gives undefined, never a negative rate, when counters reset or a stream is new', () => {
    const r0 = chromeReport();
    const r1 = next(r0, 1000, {
      [ids.inVideo]: { set: { bytesReceived: 1_200, packetsReceived: 2, framesDecoded: 1 } },
    }).map((stat) =>
      stat.id === ids.outVideo ? { ...stat, id: 'OT01V4000000001', ssrc: 4000000001 } : stat,
    );
    const s = sampleOf(r0, r1);
    expect(s.inbound.video.bitrateKbps).toBeUndefined();
    expect(s.inbound.video.packetLossPercent).toBeUndefined();
    expect(s.inbound.video.framesPerSecond).toBe(30); // falls back to Chromium's gauge
    expect(s.outbound.video.bitrateKbps).toBeUndefined();
  });

  it('copes with an audio-only call (no video stats at all)', () => {
    const audioOnly = (r: Stat[]) => r.filter((stat) => stat['kind'] !== 'video');
    const r0 = audioOnly(chromeReport());
    const s = sampleOf(r0, audioOnly(healthySecond(chromeReport())));
    expect(s.outbound.video).toEqual({
      bitrateKbps: undefined,
      packetLossPercent: undefined,
      jitterMs: undefined,
      framesPerSecond: undefined,
      resolution: undefined,
      qualityLimitationReason: undefined,
      targetBitrateKbps: undefined,
    });
    expect(s.outbound.bitrateKbps).toBeCloseTo(32);
    expect(s.inbound.video.freezes).toBeUndefined();
  });

  it('falls back to remote-inbound-rtp for RTT and to the nominated pair without a transport', () => {
    const r = chromeReport()
      .filter((stat) => stat.type !== 'transport')
      .map((stat) => (stat.id === ids.pair ? { ...stat, currentRoundTripTime: undefined } : stat));
    const s = sampleOf(undefined, r);
    expect(s.rttMs).toBeCloseTo(50); // audio remote-inbound-rtp roundTripTime 0.05 s
    expect(s.availableOutgoingKbps).toBeCloseTo(3412.16); // not the un-nominated pair's 90
  });

  it('accepts a Map (like RTCStatsReport), [id, stat] pairs and an object with values(), skipping junk', () => {
    const r0 = chromeReport();
    const r1 = healthySecond(r0);
    const asMap = (r: Stat[]) => new Map(r.map((stat) => [stat.id, stat]));
    const reportLike: StatsInput = { values: () => r1.values() };
    const expected = sampleOf(r0, r1);
    expect(qualitySample(asMap(r0), asMap(r1))).toEqual(expected);
    expect(qualitySample([...asMap(r0)], reportLike)).toEqual(expected);
    expect(qualitySample([...r0, null, 42, { type: 'x' }, 'junk'], r1)).toEqual(expected);
  });

  it('reads the older mediaType field as kind', () => {
    const r0 = chromeReport().map(({ kind, ...rest }) => ({ ...rest, mediaType: kind }));
    const s = sampleOf(r0, healthySecond(r0));
    expect(s.outbound.video.bitrateKbps).toBeCloseTo(2500);
  });

  it('returns a sample of undefined figures for an empty report', () => {
    const s = deriveSample(readStats([]), readStats(new Map()));
    expect(s.timestamp).toBeUndefined();
    expect(s.rttMs).toBeUndefined();
    expect(s.outbound.packetLossPercent).toBeUndefined();
    expect(s.inbound.bitrateKbps).toBeUndefined();
  });
});
