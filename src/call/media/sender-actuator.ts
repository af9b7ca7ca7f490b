import type { MediaStreamLike, PeerMedia } from '../ports.js';
import { cappedEncoding, sendingFor, type EncodingSettings } from '../quality/actuation.js';
import type { QualityDecision } from '../quality/policy.js';
import type { LocalMedia } from './local-media.js';

/**
 * One link's senders: what the quality policy decided (encoding, or no video at all), what the call sends
 * (camera or tab), and the link's share of our uplink. Changes run one after another, in decision order,
 * through `replaceTrack`/`setParameters` (none renegotiates).
 */
export class SenderActuator<S extends MediaStreamLike> {
  #decision: QualityDecision | undefined;
  /** Whether the video sender carries video (false while audio-only). */
  #sendingVideo = true;
  #chain: Promise<void> = Promise.resolve();
  /** The most this link's video may use (bits per second), undefined: no cap beyond the level's. */
  #capBps: number | undefined;

  constructor(
    private readonly media: PeerMedia,
    private readonly local: LocalMedia<S>,
    private readonly released: () => boolean,
  ) {}

  get decision(): QualityDecision | undefined {
    return this.#decision;
  }

  get capBps(): number | undefined {
    return this.#capBps;
  }

  apply(decision: QualityDecision): void {
    this.#decision = decision;
    const sending = sendingFor(decision.level, this.local.encodingOptions());
    const camera = this.local.video();
    const video = !sending.replaceTrackWithNull;
    const replace = video !== this.#sendingVideo;
    this.#sendingVideo = video;
    const encoding = this.#capped(sending.encoding);
    this.#run(async () => {
      // The encoding goes first so that returning video starts at the level's rate, not the last one.
      if (video) await this.media.setVideoEncoding(encoding, sending.degradationPreference);
      if (replace) await this.media.replaceVideoTrack(video ? camera : null);
      // Audio-only: the encoding goes inactive once the track is gone (switching it on again probes the link).
      if (!video && replace) await this.media.setVideoEncoding(encoding, sending.degradationPreference);
    });
  }

  /** Puts the tab (or the camera and microphone again) on the senders, after any pending decision. */
  swap(): void {
    const video = this.local.video();
    const audio = this.local.audio();
    const sending = sendingFor(this.#decision?.level ?? 'high', this.local.encodingOptions());
    const encoding = this.#capped(sending.encoding);
    // While audio-only the video sender stays empty; the next decision with video picks the tab.
    const sendVideo = this.#sendingVideo;
    this.#run(async () => {
      if (sendVideo) {
        await this.media.setVideoEncoding(encoding, sending.degradationPreference);
        await this.media.replaceVideoTrack(video);
      }
      await this.media.replaceAudioTrack(audio);
    });
  }

  /** A new share of the uplink (a participant joined or left); applied at once while video is sent. */
  setCap(capBps: number | undefined): void {
    if (capBps === this.#capBps) return;
    this.#capBps = capBps;
    if (!this.#sendingVideo) return;
    const sending = sendingFor(this.#decision?.level ?? 'high', this.local.encodingOptions());
    const encoding = this.#capped(sending.encoding);
    this.#run(() => this.media.setVideoEncoding(encoding, sending.degradationPreference));
  }

  #capped(encoding: EncodingSettings): EncodingSettings {
    return cappedEncoding(encoding, this.#capBps, this.local.encodingOptions());
  }

  #run(step: () => Promise<void>): void {
    this.#chain = this.#chain.then(() => (this.released() ? undefined : step())).catch(() => undefined);
  }
}
