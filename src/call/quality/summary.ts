import type { QualityReading } from './monitor.js';
import type { Bars } from './mos.js';
import type { Resolution } from './stats.js';

/** One reading reduced to the figures the call window shows; undefined where the stats had nothing. */
export interface QualitySummary {
  readonly at: number;
  readonly bars: Bars | undefined;
  readonly mos: number | undefined;
  readonly upKbps: number | undefined;
  readonly downKbps: number | undefined;
  /** The bandwidth estimate for what we send. */
  readonly availableUpKbps: number | undefined;
  /** Of what we send, as the other side reports it. */
  readonly upLossPercent: number | undefined;
  /** Of what we receive. */
  readonly downLossPercent: number | undefined;
  readonly rttMs: number | undefined;
  /** Of the audio we receive. */
  readonly jitterMs: number | undefined;
  readonly sentFps: number | undefined;
  readonly receivedFps: number | undefined;
  readonly sentResolution: Resolution | undefined;
  readonly receivedResolution: Resolution | undefined;
}

export function summarize(reading: QualityReading): QualitySummary {
  const { sample, score } = reading;
  return {
    at: reading.at,
    bars: score?.bars,
    mos: score?.mos,
    upKbps: sample.outbound.bitrateKbps,
    downKbps: sample.inbound.bitrateKbps,
    availableUpKbps: sample.availableOutgoingKbps,
    upLossPercent: sample.outbound.packetLossPercent,
    downLossPercent: sample.inbound.packetLossPercent,
    rttMs: sample.rttMs,
    jitterMs: sample.inbound.audio.jitterMs,
    sentFps: sample.outbound.video.framesPerSecond,
    receivedFps: sample.inbound.video.framesPerSecond,
    sentResolution: sample.outbound.video.resolution,
    receivedResolution: sample.inbound.video.resolution,
  };
}
