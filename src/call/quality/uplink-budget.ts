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

/** The most a camera sends on each link in a larger room (a shared tab keeps its own rate and resolution). */
export interface RoomCameraLimit {
  /** The tallest picture, in pixels (the camera is scaled down to it, never up). */
  readonly maxHeight: number;
  readonly maxFramerate: number;
}

/**
 * Each link has its own encoder, and each receiver decodes and draws every tile, so a room of N costs every
 * participant N−1 encoders and N−1 decoders: with 4 people on one 2-core machine (bench:mesh) the codec
 * threads were the largest part of a participant's CPU, and the machine had no core to spare for a join. A
 * grid tile is small (side panel: 2 columns of ~200 px; join page: up to 3 columns), so from 3 links a
 * camera sends at most 240p at 15 fps on each (the quality policy's `low` row), from 5 links (a room of 6,
 * tiles of ~330 px at most) 180p. A 1:1 call and a room of 3 keep what their bitrate buys.
 */
const ROOM_CAMERA_LIMITS: readonly (RoomCameraLimit & { readonly fromLinks: number })[] = [
  { fromLinks: 5, maxHeight: 180, maxFramerate: 15 },
  { fromLinks: 3, maxHeight: 240, maxFramerate: 15 },
];

/** The camera limit per link for `links` remote participants, or undefined for none. */
export function roomCameraLimit(links: number): RoomCameraLimit | undefined {
  const limit = ROOM_CAMERA_LIMITS.find((l) => links >= l.fromLinks);
  return limit === undefined ? undefined : { maxHeight: limit.maxHeight, maxFramerate: limit.maxFramerate };
}
