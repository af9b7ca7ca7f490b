import { qualityConfig, type LevelThresholds, type QualityConfig, type QualityLevel } from './config.js';
import type { QualityLimitationReason, QualitySample } from './stats.js';

/** What one sample says, reduced to what the policy and its trials decide with. */
export interface Signals {
  readonly availableKbps: number | undefined;
  readonly lossPercent: number | undefined;
  readonly sendKbps: number | undefined;
  readonly limitation: QualityLimitationReason | undefined;
}

export function signalsOf(sample: QualitySample): Signals {
  return {
    availableKbps: sample.availableOutgoingKbps,
    lossPercent: sample.outbound.packetLossPercent,
    sendKbps: sample.sendKbps ?? sample.outbound.bitrateKbps,
    limitation: sample.outbound.video.qualityLimitationReason,
  };
}

/** The best level whose lines one sample meets; a figure the sample lacks does not count against it. */
export function fits(s: Signals, config: QualityConfig = qualityConfig): QualityLevel {
  for (const level of ['high', 'medium', 'low'] as const) {
    const t = config.levels[level];
    const enough = s.availableKbps === undefined || s.availableKbps >= t.minKbps;
    const clean = s.lossPercent === undefined || s.lossPercent <= t.maxLossPercent;
    if (enough && clean) return level;
  }
  return 'audio-only';
}

/** A level's lines; audio-only has none. */
export function thresholdsFor(level: QualityLevel, config: QualityConfig = qualityConfig): LevelThresholds {
  return level === 'audio-only' ? { minKbps: 0, upKbps: 0, maxLossPercent: 100 } : config.levels[level];
}
