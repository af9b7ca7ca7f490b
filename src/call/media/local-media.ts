import type { EncodingOptions } from '../quality/actuation.js';
import type { MediaStreamLike, TrackLike } from '../ports.js';

/** A shared tab as the call sends it: its video instead of the camera, `audio` instead of the microphone. */
export interface ShareSource {
  readonly video: TrackLike;
  /** The microphone mixed with the tab's sound; without it the microphone goes on alone. */
  readonly audio?: TrackLike;
  readonly title: string;
  /** The captured height in pixels, so that the encoding scales down to its target (default 1080). */
  readonly height?: number;
}

/** What every link sends: the camera and microphone, or a shared tab instead; muted and camera-off flags. */
export class LocalMedia<S extends MediaStreamLike> {
  stream: S | undefined;
  share: ShareSource | undefined;
  muted = false;
  cameraOff = false;

  /** The track the video senders carry (the tab while sharing). */
  video(): TrackLike | null {
    return this.share?.video ?? this.stream?.getVideoTracks()[0] ?? null;
  }

  audio(): TrackLike | null {
    return this.share?.audio ?? this.stream?.getAudioTracks()[0] ?? null;
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
    for (const track of this.stream?.getAudioTracks() ?? []) track.enabled = !muted;
  }

  setCameraOff(off: boolean): void {
    this.cameraOff = off;
    for (const track of this.stream?.getVideoTracks() ?? []) track.enabled = !off;
  }

  /** A shared tab keeps resolution over frame rate (legible text); the camera the other way round. */
  encodingOptions(): EncodingOptions {
    const share = this.share;
    if (!share) return {};
    return share.height === undefined ? { sharing: true } : { sharing: true, sourceHeight: share.height };
  }

  stop(): void {
    for (const track of this.stream?.getTracks() ?? []) track.stop();
  }
}
