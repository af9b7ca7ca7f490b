import { qualityConfig, type QualityConfig, type VideoLevel } from './config.js';
import type { QualityDecision } from './policy.js';

const QUALITY: Readonly<Record<VideoLevel, string>> = {
  high: 'full quality',
  medium: 'medium quality',
  low: 'low quality',
};

/**
 * The sentence the call window shows for a decision, e.g.
 * "Audio only — your connection is too slow for video (upload ~120 kbps). Video will come back by itself."
 */
export function describeDecision(d: QualityDecision, config: QualityConfig = qualityConfig): string {
  if (d.mode === 'forced-audio-only')
    return 'Audio only, as you chose. Video stays off until you turn it back on.';
  if (d.mode === 'forced-video') {
    const quality = d.level === 'audio-only' ? QUALITY.low : QUALITY[d.level];
    const until = d.overrideUntil ?? Infinity;
    const paused = until === Infinity ? 'until you switch it back on' : `for ${duration(until - d.at)}`;
    return `Video on at ${quality}, as you asked — it may freeze on this connection. Automatic audio-only is paused ${paused}.`;
  }
  if (d.probing) {
    if (d.reason === 'user-released') return 'Turning video back on — checking your connection first…';
    return d.settledLevel === 'audio-only'
      ? 'Audio only — checking whether your connection can carry video again…'
      : `Video at ${QUALITY[d.settledLevel]} — checking whether your connection can carry better video…`;
  }
  const { availableKbps, lossPercent } = d.figures;
  const upload = availableKbps === undefined ? '' : ` (upload ${rate(availableKbps)})`;
  const lost = lossPercent === undefined ? '' : ` (~${Math.round(lossPercent)}% lost)`;
  const lossy =
    d.reason === 'loss' ||
    (d.reason !== 'bandwidth' && lossPercent !== undefined && lossPercent > config.levels.low.maxLossPercent);

  if (d.level === 'audio-only') {
    const cause = lossy
      ? `your connection is losing too much data for video${lost}`
      : `your connection is too slow for video${upload}`;
    return `Audio only — ${cause}. Video will come back by itself.`;
  }

  const quality = QUALITY[d.level];
  const noFallback =
    d.level === 'low' && !d.autoFallback ? ' Automatic audio-only is off in your settings.' : '';
  switch (d.reason) {
    case 'bandwidth':
      return `Video lowered to ${quality} — your connection is slow${upload}.${noFallback}`;
    case 'loss':
      return `Video lowered to ${quality} — your connection is losing data${lost}.${noFallback}`;
    case 'probe-failed':
      return `Video stays at ${quality} — your connection cannot carry more right now${upload}.`;
    case 'fallback-disabled':
      return 'Video is back at low quality — automatic audio-only is off in your settings.';
    case 'recovered':
    case 'probe-succeeded':
      return d.level === 'high'
        ? 'Video is back to full quality.'
        : `Video is back at ${quality} — it will improve by itself if your connection allows.`;
    default:
      return `Video at ${quality}.`;
  }
}

function rate(kbps: number): string {
  return kbps >= 1000 ? `~${(kbps / 1000).toFixed(1)} Mbps` : `~${Math.round(kbps / 10) * 10} kbps`;
}

function duration(ms: number): string {
  const seconds = Math.max(1, Math.round(ms / 1000));
  if (seconds < 90) return `${seconds} seconds`;
  const minutes = Math.round(seconds / 60);
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}
