/**
 * What each level means for the video sender, as plain data for a browser adapter to apply with
 * `RTCRtpSender.setParameters` (encodings[0]) and `replaceTrack`.
 *
 * Audio-only is not an encoding: the adapter replaces the video track by null. FIELD-NOTES: that stops video
 * bytes while audio continues, needs no renegotiation, and video returns < 0.5 s after `replaceTrack(track)`
 * (`removeTrack` renegotiates and cannot re-add the same track). The receiver gets no event, so the adapter
 * tells the peer over the data channel. The encoding stays at `low` meanwhile, so video comes back cheap, but
 * inactive: switching it on again raises what the call may send, which makes Chromium probe the link at about
 * twice that (measured through a 100 kbit tbf: the estimate went 84 → 508 kbps within 2 s once the limit was
 * lifted, and stayed 84–138 under it), while a bare `replaceTrack` left the estimate climbing ~15 kbps/s.
 */
import type { QualityLevel, VideoLevel } from './config.js';
import type { RoomCameraLimit } from './uplink-budget.js';

/** The fields of `RTCRtpEncodingParameters` the policy sets. */
export interface EncodingSettings {
  readonly active: boolean;
  /** Bits per second. */
  readonly maxBitrate: number;
  readonly scaleResolutionDownBy: number;
  readonly maxFramerate?: number;
}

/** Whether two encodings ask the same of the video sender (every field of EncodingSettings). */
export function sameEncoding(a: EncodingSettings, b: EncodingSettings): boolean {
  return (
    a.active === b.active &&
    a.maxBitrate === b.maxBitrate &&
    a.scaleResolutionDownBy === b.scaleResolutionDownBy &&
    a.maxFramerate === b.maxFramerate
  );
}

export type DegradationPreference = 'maintain-framerate' | 'maintain-resolution' | 'balanced';

export interface VideoSending {
  /** `sender.replaceTrack(null)` when true; `replaceTrack(track)` to undo. */
  readonly replaceTrackWithNull: boolean;
  readonly encoding: EncodingSettings;
  /** `RTCRtpSendParameters.degradationPreference`: what the encoder gives up first under pressure. */
  readonly degradationPreference: DegradationPreference;
}

export interface EncodingOptions {
  /** Sending a shared tab rather than the camera: keep resolution (legible text) over frame rate. */
  readonly sharing?: boolean;
  /** Height of the track being sent; defaults to 720 for a camera and 1080 for a shared tab. */
  readonly sourceHeight?: number;
}

export interface LevelEncoding {
  /** The height we aim for; we scale down to it, never up. */
  readonly targetHeight: number;
  readonly maxBitrate: number;
  readonly maxFramerate: number;
}

/** Camera: 720p / 360p / 240p at the issue's ~2.5 Mbps, ~500–900 kbps and ~150–300 kbps. */
export const cameraEncodings: Readonly<Record<VideoLevel, LevelEncoding>> = Object.freeze({
  high: { targetHeight: 720, maxBitrate: 2_500_000, maxFramerate: 30 },
  medium: { targetHeight: 360, maxBitrate: 800_000, maxFramerate: 30 },
  // Half the frames at 240p: at 250 kbps motion costs more than it shows.
  low: { targetHeight: 240, maxBitrate: 250_000, maxFramerate: 15 },
});

/** A shared tab: the same bitrates, spent on pixels (text must stay legible) rather than frames. */
export const sharingEncodings: Readonly<Record<VideoLevel, LevelEncoding>> = Object.freeze({
  high: { targetHeight: 1080, maxBitrate: 2_500_000, maxFramerate: 15 },
  medium: { targetHeight: 1080, maxBitrate: 800_000, maxFramerate: 8 },
  low: { targetHeight: 720, maxBitrate: 250_000, maxFramerate: 3 },
});

/** The encoding for a level; for `audio-only`, the `low` encoding the sender keeps while its track is null. */
export function encodingFor(level: QualityLevel, options: EncodingOptions = {}): EncodingSettings {
  const table = options.sharing ? sharingEncodings : cameraEncodings;
  const target = table[level === 'audio-only' ? 'low' : level];
  const sourceHeight = options.sourceHeight ?? (options.sharing ? 1080 : 720);
  const scale = Math.max(1, sourceHeight / target.targetHeight);
  return {
    active: true,
    maxBitrate: target.maxBitrate,
    scaleResolutionDownBy: Math.round(scale * 1000) / 1000,
    maxFramerate: target.maxFramerate,
  };
}

/** Everything the adapter applies for a level. */
export function sendingFor(level: QualityLevel, options: EncodingOptions = {}): VideoSending {
  const audioOnly = level === 'audio-only';
  const encoding = encodingFor(level, options);
  return {
    replaceTrackWithNull: audioOnly,
    encoding: audioOnly ? { ...encoding, active: false } : encoding,
    degradationPreference: options.sharing ? 'maintain-resolution' : 'maintain-framerate',
  };
}

/**
 * A link's first frames: a camera sends at most 360p until OPENING_MS after the link connects, then what its
 * level says. Measured in Chromium 156 (fake 1280×720 camera at 20 fps, 1.5 Mbps start bitrate, two
 * browsers on loopback): asked for 720p at once, the encoder drops the first frame, restarts at 960×540 —
 * one capture interval later, 50 ms here — and stays at 960×540 for seconds; asked for 360p it sends its
 * first frame at once (DTLS connected → first frame received 40–56 ms median against 98–101 ms), and back
 * at full scale 0.3 s later it sent 1280×720 within 0.5 s.
 */
export const OPENING_HEIGHT = 360;
export const OPENING_MS = 500;

/** The encoding for the first frames of a camera (a shared tab keeps its resolution). */
export function openingEncoding(encoding: EncodingSettings, options: EncodingOptions = {}): EncodingSettings {
  if (options.sharing) return encoding;
  const scale = Math.round(((options.sourceHeight ?? 720) / OPENING_HEIGHT) * 1000) / 1000;
  return { ...encoding, scaleResolutionDownBy: Math.max(encoding.scaleResolutionDownBy, scale) };
}

/** The least a capped link's video needs for 360p (the `medium` row's "~500–900 kbps"); below it, 240p. */
const CAP_FOR_MEDIUM_BPS = 500_000;
/** Below this a capped link is in the `low` row's "~150–300 kbps": its frame rate too (15 fps). */
const CAP_FOR_FULL_RATE_BPS = 300_000;

/**
 * A link whose share of our uplink (a group call) is below its level's bitrate: the bitrate is capped, and a
 * camera's resolution comes down to what that bitrate buys (360p from 500 kbps, else 240p; under 300 kbps
 * also the `low` row's 15 fps), never up.
 * Pixels a capped encoder cannot fill still cost CPU to capture-scale, encode and decode on both ends, once
 * per link, and a group tile is small. A shared tab keeps its resolution (text must stay legible).
 */
export function cappedEncoding(
  encoding: EncodingSettings,
  capBps: number | undefined,
  options: EncodingOptions = {},
): EncodingSettings {
  if (capBps === undefined || capBps >= encoding.maxBitrate) return encoding;
  const capped = { ...encoding, maxBitrate: capBps };
  if (options.sharing) return capped;
  const target = cameraEncodings[capBps >= CAP_FOR_MEDIUM_BPS ? 'medium' : 'low'].targetHeight;
  const scale = Math.max(1, (options.sourceHeight ?? 720) / target);
  const scaleResolutionDownBy = Math.max(encoding.scaleResolutionDownBy, Math.round(scale * 1000) / 1000);
  if (capBps >= CAP_FOR_FULL_RATE_BPS) return { ...capped, scaleResolutionDownBy };
  const lowRate = cameraEncodings.low.maxFramerate;
  const maxFramerate = Math.min(encoding.maxFramerate ?? lowRate, lowRate);
  return { ...capped, scaleResolutionDownBy, maxFramerate };
}

/**
 * A camera's encoding within a larger room's limit per link (uplink-budget.ts, `roomCameraLimit`): scaled
 * down to `maxHeight` and at most `maxFramerate`, never up. A shared tab is left as it is.
 */
export function limitedEncoding(
  encoding: EncodingSettings,
  limit: RoomCameraLimit | undefined,
  options: EncodingOptions = {},
): EncodingSettings {
  if (limit === undefined || options.sharing) return encoding;
  const scale = Math.round(Math.max(1, (options.sourceHeight ?? 720) / limit.maxHeight) * 1000) / 1000;
  const scaleResolutionDownBy = Math.max(encoding.scaleResolutionDownBy, scale);
  const maxFramerate = Math.min(encoding.maxFramerate ?? limit.maxFramerate, limit.maxFramerate);
  if (scaleResolutionDownBy === encoding.scaleResolutionDownBy && maxFramerate === encoding.maxFramerate)
    return encoding;
  return { ...encoding, scaleResolutionDownBy, maxFramerate };
}
