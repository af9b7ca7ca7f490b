/**
 * Our upload is shared by every link we send video on. Each link's video gets
 * `clamp((budget − 40 kbps·(N−1)) / (N−1), 150, 1500)` kbps, 40 kbps per link being kept for audio and
 * the data channel. One link (a 1:1 call) is left to the quality policy alone, as before group calls.
 */
export const DEFAULT_UPLINK_KBPS = 1500;
const AUDIO_AND_DATA_KBPS = 40;
const MIN_VIDEO_KBPS = 150;
const MAX_VIDEO_KBPS = 1500;

/** The video cap per link in kbps for `links` remote participants, or undefined for no cap (one link). */
export function uplinkCapKbps(links: number, budgetKbps: number = DEFAULT_UPLINK_KBPS): number | undefined {
  if (links < 2) return undefined;
  const budget = Number.isFinite(budgetKbps) && budgetKbps > 0 ? budgetKbps : DEFAULT_UPLINK_KBPS;
  const share = (budget - AUDIO_AND_DATA_KBPS * links) / links;
  return Math.round(Math.min(MAX_VIDEO_KBPS, Math.max(MIN_VIDEO_KBPS, share)));
}

/**
 * The budget: the largest outgoing estimate a link reports (`availableOutgoingBitrate`; our own uplink is
 * usually the narrowest part of every path), else the default.
 */
export function uplinkBudgetKbps(estimates: readonly (number | undefined)[]): number {
  const reported = estimates.filter((e): e is number => e !== undefined && Number.isFinite(e) && e > 0);
  return reported.length === 0 ? DEFAULT_UPLINK_KBPS : Math.max(...reported);
}
