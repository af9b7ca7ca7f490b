import { qualityConfig, type QualityConfig, type VideoLevel } from './config.js';
import type { QualityDecision } from './policy.js';

/**
 * What the call window says about a decision, as facts the UI words in the user's language
 * (src/ui/text/), e.g. `audio-only-slow` with 118 kbps →
 * "Audio only — your connection is too slow for video (upload ~120 kbps). Video will come back by itself."
 * Figures are undefined where the connection did not report them.
 */
export type DecisionMessage =
  | { readonly kind: 'forced-audio-only' }
  /** `pausedForMs`: how long automatic audio-only stays paused (undefined: until switched back on). */
  | { readonly kind: 'forced-video'; readonly quality: VideoLevel; readonly pausedForMs: number | undefined }
  | { readonly kind: 'probing-released' }
  | { readonly kind: 'probing-audio' }
  | { readonly kind: 'probing-video'; readonly quality: VideoLevel }
  | { readonly kind: 'audio-only-loss'; readonly lossPercent: number | undefined }
  | { readonly kind: 'audio-only-slow'; readonly uploadKbps: number | undefined }
  /** `noFallback`: video is at its lowest and automatic audio-only is off in the settings. */
  | {
      readonly kind: 'lowered-slow';
      readonly quality: VideoLevel;
      readonly uploadKbps: number | undefined;
      readonly noFallback: boolean;
    }
  | {
      readonly kind: 'lowered-loss';
      readonly quality: VideoLevel;
      readonly lossPercent: number | undefined;
      readonly noFallback: boolean;
    }
  | { readonly kind: 'stays'; readonly quality: VideoLevel; readonly uploadKbps: number | undefined }
  | { readonly kind: 'back-low-no-fallback' }
  | { readonly kind: 'back'; readonly quality: VideoLevel }
  | { readonly kind: 'at'; readonly quality: VideoLevel };

export function describeDecision(d: QualityDecision, config: QualityConfig = qualityConfig): DecisionMessage {
  if (d.mode === 'forced-audio-only') return { kind: 'forced-audio-only' };
  if (d.mode === 'forced-video') {
    const until = d.overrideUntil ?? Infinity;
    return {
      kind: 'forced-video',
      quality: d.level === 'audio-only' ? 'low' : d.level,
      pausedForMs: until === Infinity ? undefined : until - d.at,
    };
  }
  if (d.probing) {
    if (d.reason === 'user-released') return { kind: 'probing-released' };
    return d.settledLevel === 'audio-only'
      ? { kind: 'probing-audio' }
      : { kind: 'probing-video', quality: d.settledLevel };
  }
  const { availableKbps: uploadKbps, lossPercent } = d.figures;
  const lossy =
    d.reason === 'loss' ||
    (d.reason !== 'bandwidth' && lossPercent !== undefined && lossPercent > config.levels.low.maxLossPercent);

  if (d.level === 'audio-only')
    return lossy ? { kind: 'audio-only-loss', lossPercent } : { kind: 'audio-only-slow', uploadKbps };

  const quality = d.level;
  const noFallback = d.level === 'low' && !d.autoFallback;
  switch (d.reason) {
    case 'bandwidth':
      return { kind: 'lowered-slow', quality, uploadKbps, noFallback };
    case 'loss':
      return { kind: 'lowered-loss', quality, lossPercent, noFallback };
    case 'probe-failed':
      return { kind: 'stays', quality, uploadKbps };
    case 'fallback-disabled':
      return { kind: 'back-low-no-fallback' };
    case 'recovered':
    case 'probe-succeeded':
      return { kind: 'back', quality };
    default:
      return { kind: 'at', quality };
  }
}
