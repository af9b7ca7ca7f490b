/**
 * Voice call-quality score: a MOS from the ITU-T G.107 E-model in the simplified form public voice SDKs use
 * (Twilio's voice SDK, PingPlotter), and 0–5 bars from it.
 *
 *   oneWayLatency    = RTT / 2                                   (G.107's delay is mouth-to-ear, one way)
 *   effectiveLatency = oneWayLatency + 2 × jitter + 10           (ms; jitter buffer ≈ 2 × jitter, 10 ms codec)
 *   Id (delay)       = effectiveLatency / 40                     when effectiveLatency < 160 ms
 *                    = (effectiveLatency − 120) / 10             otherwise (the two meet at 160 ms: Id = 4)
 *   Ie (loss)        = 2.5 × lossPercent
 *   R                = 93.2 − Id − Ie                            (93.2: G.107's default R with no impairment)
 *   MOS              = 1 + 0.035 R + 7·10⁻⁶ R (R − 60)(100 − R)  for 0 < R < 100, clamped to 1 … 4.5
 *
 * Twilio differs in two constants: it feeds the whole RTT in as latency and starts from R0 = 94.768. With
 * RTT / 2 and 93.2 a perfect call scores 4.40, the usual ceiling for narrow/wide-band voice.
 */
import { qualityConfig, type QualityConfig } from './config.js';
import type { QualitySample } from './stats.js';

export interface VoiceConditions {
  readonly rttMs: number;
  readonly jitterMs: number;
  readonly lossPercent: number;
}

export type Bars = 0 | 1 | 2 | 3 | 4 | 5;

export interface CallScore {
  /** The worse of the two directions: what one of the two people hears. */
  readonly mos: number;
  readonly bars: Bars;
  /** How we hear the other person (inbound audio). */
  readonly receiveMos: number | undefined;
  /** How the other person hears us (what they report about our audio). */
  readonly sendMos: number | undefined;
}

const R0 = 93.2;

export function effectiveLatencyMs(c: VoiceConditions): number {
  return c.rttMs / 2 + 2 * c.jitterMs + 10;
}

export function rFactor(c: VoiceConditions): number {
  const latency = effectiveLatencyMs(c);
  const delayImpairment = latency < 160 ? latency / 40 : (latency - 120) / 10;
  const lossImpairment = 2.5 * c.lossPercent;
  return R0 - delayImpairment - lossImpairment;
}

export function mosFromR(r: number): number {
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  const mos = 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r);
  return Math.min(4.5, Math.max(1, mos));
}

export function mos(c: VoiceConditions): number {
  return mosFromR(rFactor(c));
}

/** Bars: MOS at or above the score of each R threshold in `config.barsR` earns one more bar. */
export function barsFromMos(score: number, config: QualityConfig = qualityConfig): Bars {
  return config.barsR.filter((r) => score >= mosFromR(r) - 1e-9).length as Bars;
}

/**
 * The score of one sample, from audio in each direction. A direction counts once its loss is known (inbound
 * loss needs a previous report); unknown jitter or RTT count as 0. Undefined when neither direction is known.
 */
export function scoreSample(
  sample: QualitySample,
  config: QualityConfig = qualityConfig,
): CallScore | undefined {
  const direction = (lossPercent: number | undefined, jitterMs: number | undefined) =>
    lossPercent === undefined
      ? undefined
      : mos({ rttMs: sample.rttMs ?? 0, jitterMs: jitterMs ?? 0, lossPercent });
  const receiveMos = direction(sample.inbound.audio.packetLossPercent, sample.inbound.audio.jitterMs);
  const sendMos = direction(sample.outbound.audio.packetLossPercent, sample.outbound.audio.jitterMs);
  const known = [receiveMos, sendMos].filter((m): m is number => m !== undefined);
  if (known.length === 0) return undefined;
  const worst = Math.min(...known);
  return { mos: worst, bars: barsFromMos(worst, config), receiveMos, sendMos };
}
