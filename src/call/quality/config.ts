/**
 * Every number the quality monitor and the adaptation policy decide with, in one place.
 * "FIELD-NOTES" means /work/shared/FIELD-NOTES.md ("Media and stats", "Network emulation"): figures measured
 * on this project's machines with Chromium 156 and a `tbf rate 100kbit` limit. "libwebrtc" means Chromium's
 * bandwidth estimator (GoogCC), whose behaviour these numbers have to live with.
 *
 * All bitrates are kbps of *available outgoing bitrate* (the candidate pair's `availableOutgoingBitrate`, which
 * covers audio + video + headers), all losses are percent of our packets the other side reports lost.
 */

/** Video levels from best to worst; `audio-only` means the video track is replaced by null. */
export const qualityLevels = ['high', 'medium', 'low', 'audio-only'] as const;
export type QualityLevel = (typeof qualityLevels)[number];
export type VideoLevel = Exclude<QualityLevel, 'audio-only'>;

export interface LevelThresholds {
  /** A sample with less available upload than this is bad for the level. */
  readonly minKbps: number;
  /** Samples with at least this much available upload count towards stepping up to the level. */
  readonly upKbps: number;
  /** A sample with more send-side packet loss (%) than this is bad for the level. */
  readonly maxLossPercent: number;
}

export interface QualityConfig {
  readonly sampleIntervalMs: number;
  readonly historySize: number;
  readonly startGraceMs: number;
  readonly levels: Readonly<Record<VideoLevel, LevelThresholds>>;
  readonly downWindow: number;
  readonly downBadSamples: number;
  readonly upLossPercent: number;
  readonly upGoodMs: number;
  readonly holdAfterUpMs: number;
  readonly holdAfterDownMs: number;
  readonly maxHoldAfterDownMs: number;
  readonly revertWindowMs: number;
  readonly audioProbeHoldMs: number;
  readonly maxAudioProbeHoldMs: number;
  readonly audioProbeCleanMs: number;
  readonly audioProbeRatio: number;
  readonly appLimitedRatio: number;
  readonly probeCleanMs: number;
  readonly probeFailSamples: number;
  readonly probeRiseSamples: number;
  readonly probeRiseRatio: number;
  readonly probeConfirmSamples: number;
  readonly probeMaxMs: number;
  readonly probeCongestionDrop: number;
  readonly tryVideoMs: number;
  readonly barsR: readonly [number, number, number, number, number];
}

export const qualityConfig: QualityConfig = deepFreeze({
  // FIELD-NOTES: getStats once a second gives everything the monitor needs; the estimate moves within 1–1.5 s.
  sampleIntervalMs: 1000,
  // One minute of samples: enough for a sparkline and a diagnostics dump, ~60 small objects.
  historySize: 60,
  // libwebrtc starts its estimate at 300 kbps and probes up over the first 1–2 s; judging then would step a
  // healthy call down at once. A call that starts on a bad link still reaches audio-only ~3 s after the grace.
  startGraceMs: 4000,
  levels: {
    // 720p at ≤2.5 Mbps. Below 700 kbps the encoder is already starving at 720p (Chromium itself left 720p
    // for 480×360 as the estimate fell, FIELD-NOTES). 1100 kbps to come back: above 700 (hysteresis) and
    // reachable while capped at medium — libwebrtc lets the estimate grow to at most 1.5 × what we send
    // + 10 kbps, and medium sends ~850 kbps (→ ≤1285). Up to 5 % loss: NACK/FEC still hide it at this rate.
    high: { minKbps: 700, upKbps: 1100, maxLossPercent: 5 },
    // 360p at ≤800 kbps (the issue's ~500–900 kbps band). Keep it down to 300 kbps, where 360p still decodes
    // smoothly; come back at 400, reachable from low (~300 kbps sent → estimate ≤460).
    medium: { minKbps: 300, upKbps: 400, maxLossPercent: 8 },
    // 240p at ≤250 kbps. Below 150 kbps video only starves audio: under the 100 kbit limit the receiver got
    // 0–4 fps and 6 freezes in 12 s (FIELD-NOTES), so this is the audio-only line. 10 % loss is where
    // libwebrtc's loss-based estimator starts cutting the rate (kDefaultHighLossThreshold = 0.1).
    low: { minKbps: 150, upKbps: 200, maxLossPercent: 10 },
  },
  // Step down when 3 of the last 5 samples are bad: the estimate is below 150 kbps 1.0–1.5 s after a 100 kbit
  // limit (FIELD-NOTES), so audio-only lands ~3–4 s after the drop; one stray sample never moves us.
  // qualityLimitationReason only reads `bandwidth` after 7.5–8 s (FIELD-NOTES): it is never used on this path.
  downWindow: 5,
  downBadSamples: 3,
  // libwebrtc only raises its estimate while loss stays under 2 % (kDefaultLowLossThreshold = 0.02).
  upLossPercent: 2,
  // Step up only after 10 s of samples that are good for the next level.
  upGoodMs: 10_000,
  // No change for 20 s after stepping up (the "at most one switch per 20 s").
  holdAfterUpMs: 20_000,
  // Between video levels: no step up for 30 s after a step down, doubled each time a step up was undone within
  // `revertWindowMs`, capped at 2 minutes so video still comes back by itself within ~2.5 min.
  holdAfterDownMs: 30_000,
  maxHoldAfterDownMs: 120_000,
  revertWindowMs: 30_000,
  // From audio-only the way back is a hidden trial of `low`, and a trial that fails costs little: with the video
  // encoding inactive while audio-only (actuation.ts), switching it on makes Chromium probe the link at ~2 × the
  // level's 250 kbps before the encoder sends much, so the estimate answers within 1–2 s: measured through a
  // 100 kbit tbf, 84–138 kbps with no audio lost; after the limit is lifted, 418–630 kbps. So the first trial
  // comes 2 s after the step down, the wait doubling after each failed trial (2, 4, 8, 16, 32 s) up to 32 s:
  // a limit lifted after ~5 s gets video back within ~10 s, and a steady limit sees ~5 trials in its first
  // minute, then one per ~35 s, each ~2 s of ≤ 250 kbps hidden video.
  audioProbeHoldMs: 2_000,
  maxAudioProbeHoldMs: 32_000,
  // …and only after 2 s in which the audio lost no more than `low` allows (10 %; see policy.ts #trackRuns).
  audioProbeCleanMs: 2_000,
  // …and once the estimate is ≥ 1.55 × what we send: Chromium probes on a raised allocation only while the
  // link is application-limited by its own measure (sending < 65 % of the estimate, i.e. estimate > 1.54 ×
  // sent). Measured: audio-only sends ~45 kbps; after a collapse the estimate sat at 55–72 kbps for 5–9 s (a
  // trial then got no probe and climbed ~15 kbps/s, 8 s to confirm), then reached 84–105 (a trial then jumped
  // to 418–630 within 2 s). An estimate that never gets there (audio ≥ ~200 kbps) is tried anyway once
  // `maxAudioProbeHoldMs` has passed, at `appLimitedRatio`.
  audioProbeRatio: 1.55,
  // Audio-only and capped levels are application-limited: the estimate cannot exceed ~1.5 × what we send
  // + 10 kbps, and climbs only ~18 kbps per second after a limit goes (FIELD-NOTES). Estimate ≥ 1.25 × sent
  // means "we are not using the link, so the estimate cannot tell us more" — the cue to probe instead.
  appLimitedRatio: 1.25,
  // A probe (the next level up, sent on trial) needs 10 s of clean samples first, like a measured step up.
  probeCleanMs: 10_000,
  // 2 congested samples end a trial: on a link that carries the level there are none (a trial is confirmed
  // within ~4 s), and a trial may cost audio only for a moment.
  probeFailSamples: 2,
  // A trial whose estimate has not reached the level's `upKbps`, nor risen by 20 % from where it started, after 2
  // samples has found no headroom: under the 100 kbit limit it stayed within +7 %. (Without Chromium's probe the
  // estimate climbs ~18 kbps per second from ~80 kbps, +40 % in 2 s, and the trial goes on.)
  probeRiseSamples: 2,
  probeRiseRatio: 1.2,
  // A trial is confirmed after 4 samples, the last 3 at or above the level's up line (`upKbps`, loss ≤
  // `upLossPercent`): good spells of 3 s or less (an oscillating link) must not confirm.
  probeConfirmSamples: 4,
  // …and given up after 8 s (with Chromium's probe it is confirmed within ~4 s; without, the estimate climbs
  // ~18 kbps per second and needs ~8 s); by then it settles on whatever level the recent samples support.
  probeMaxMs: 8_000,
  // A probe sample is congested when the estimate falls below 90 % of where the probe started (libwebrtc
  // cuts to 85 % of throughput on overuse) while below the probed level's line, or loss passes `upLossPercent`.
  probeCongestionDrop: 0.9,
  // "Try video anyway" lasts 2 minutes unless released: long enough to show something, short enough that a
  // forgotten override does not leave audio starving for the rest of the call.
  tryVideoMs: 120_000,
  // Bars from the voice score: R ≥ 50/60/70/80/90 for 1–5 bars — ITU-T G.107 Annex B's user-satisfaction
  // bands ("nearly all users dissatisfied" … "very satisfied"), i.e. MOS ≥ 2.58/3.10/3.60/4.02/4.34.
  barsR: [50, 60, 70, 80, 90],
});

/**
 * Whether `ms` have passed between two sample times, `since` and `now`. Samples are taken once per
 * `sampleIntervalMs` by a timer, and come 0.95–1.05 s apart (bench:quality: 947–1052 ms, 52 of 144 intervals
 * under 1 s), so the sample meant to be "2 s after" another is 1.998 s after it about as often as 2.002 s: a
 * plain `>=` made waits of whole samples one sample longer about half the time. Half an interval of slack
 * keeps a wait of n samples at n samples.
 */
export function hasLasted(
  since: number,
  now: number,
  ms: number,
  config: QualityConfig = qualityConfig,
): boolean {
  return now - since >= ms - config.sampleIntervalMs / 2;
}

export function levelRank(level: QualityLevel): number {
  return qualityLevels.length - 1 - qualityLevels.indexOf(level);
}

/** The level one step better (`high` stays `high`). */
export function levelAbove(level: QualityLevel): QualityLevel {
  return qualityLevels[Math.max(0, qualityLevels.indexOf(level) - 1)] ?? 'high';
}

export function higherLevel(a: QualityLevel, b: QualityLevel): QualityLevel {
  return levelRank(a) >= levelRank(b) ? a : b;
}

export function lowerLevel(a: QualityLevel, b: QualityLevel): QualityLevel {
  return levelRank(a) <= levelRank(b) ? a : b;
}

function deepFreeze<T extends object>(value: T): T {
  for (const inner of Object.values(value))
    if (typeof inner === 'object' && inner !== null) deepFreeze(inner);
  return Object.freeze(value);
}
