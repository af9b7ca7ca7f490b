import type { MediaStreamLike, PeerMedia } from '../ports.js';
import {
  cappedEncoding,
  limitedEncoding,
  openingEncoding,
  sameEncoding,
  sendingFor,
  type DegradationPreference,
  type EncodingSettings,
} from '../quality/actuation.js';
import type { QualityDecision } from '../quality/policy.js';
import type { RoomCameraLimit } from '../quality/uplink-budget.js';
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
  /** A larger room's limit on the camera's resolution and frame rate per link (undefined: none). */
  #limit: RoomCameraLimit | undefined;
  /** From `open()` until `opened()`: the camera's first frames go small (actuation.ts, OPENING_HEIGHT). */
  #opening = false;
  /** What the video sender was last set to (undefined: unknown, e.g. after a failed change). */
  #applied: { encoding: EncodingSettings; preference: DegradationPreference } | undefined;

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
      if (video) await this.#setEncoding(encoding, sending.degradationPreference);
      if (replace) await this.media.replaceVideoTrack(video ? camera : null);
      // Audio-only: the encoding goes inactive once the track is gone (switching it on again probes the link).
      if (!video && replace) await this.#setEncoding(encoding, sending.degradationPreference);
    });
  }

  /** Puts the tab (or the camera and microphone again) on the senders, after any pending decision. */
  swap(): void {
    const video = this.local.video();
    const audio = this.local.audio();
    const { encoding, preference } = this.#current();
    // While audio-only the video sender stays empty; the next decision with video picks the tab.
    const sendVideo = this.#sendingVideo;
    this.#run(async () => {
      if (sendVideo) {
        await this.#setEncoding(encoding, preference);
        await this.media.replaceVideoTrack(video);
      }
      await this.media.replaceAudioTrack(audio);
    });
  }

  /**
   * A keyframe for the other side now: media flows again after a stall, and its picture stays frozen until
   * one comes. Its receiver asks for one only once its retransmission requests for the lost packets have
   * failed, ~0.75 s after the path is back (measured after 5 s outages); switching the encoding off and on
   * again makes the encoder start over with one at once.
   */
  refresh(): void {
    if (!this.#sendingVideo) return;
    const { encoding, preference } = this.#current();
    if (!encoding.active) return;
    this.#run(async () => {
      await this.#setEncoding({ ...encoding, active: false }, preference);
      await this.#setEncoding(encoding, preference);
    });
  }

  get limit(): RoomCameraLimit | undefined {
    return this.#limit;
  }

  /**
   * A new share of the uplink and the room's camera limit (a participant joined or left); applied at once
   * while video is sent. Unchanged values touch nothing.
   */
  setCap(capBps: number | undefined, limit?: RoomCameraLimit): void {
    const same =
      limit?.maxHeight === this.#limit?.maxHeight && limit?.maxFramerate === this.#limit?.maxFramerate;
    if (capBps === this.#capBps && same) return;
    this.#capBps = capBps;
    this.#limit = limit;
    this.#reapply();
  }

  /**
   * Before the first offer or answer: the first frames go at the opening encoding until `opened()`, within
   * the share of the uplink and the room's limit the link starts with (see `setCap`).
   */
  open(capBps?: number, limit?: RoomCameraLimit): void {
    this.#opening = true;
    this.#capBps = capBps;
    this.#limit = limit;
    this.#reapply();
  }

  /** The first frames are out (the link connected a moment ago): the level's own encoding from now on. */
  opened(): void {
    if (!this.#opening) return;
    this.#opening = false;
    this.#reapply();
  }

  /** The current level's encoding again, while video is sent. */
  #reapply(): void {
    if (!this.#sendingVideo) return;
    const { encoding, preference } = this.#current();
    this.#run(() => this.#setEncoding(encoding, preference));
  }

  /** What the current level (capped, and small while opening) asks of the video sender. */
  #current(): { encoding: EncodingSettings; preference: DegradationPreference } {
    const sending = sendingFor(this.#decision?.level ?? 'high', this.local.encodingOptions());
    return { encoding: this.#capped(sending.encoding), preference: sending.degradationPreference };
  }

  #capped(encoding: EncodingSettings): EncodingSettings {
    const options = this.local.encodingOptions();
    const capped = limitedEncoding(cappedEncoding(encoding, this.#capBps, options), this.#limit, options);
    return this.#opening ? openingEncoding(capped, options) : capped;
  }

  /**
   * Sets the video sender, unless it is set so already: each change is a synchronous getParameters and a
   * setParameters, which on a busy page hold its main thread while a joiner's links connect (bench:mesh).
   */
  async #setEncoding(encoding: EncodingSettings, preference: DegradationPreference): Promise<void> {
    const applied = this.#applied;
    if (applied?.preference === preference && sameEncoding(applied.encoding, encoding)) return;
    this.#applied = undefined;
    await this.media.setVideoEncoding(encoding, preference);
    this.#applied = { encoding, preference };
  }

  #run(step: () => Promise<void>): void {
    this.#chain = this.#chain.then(() => (this.released() ? undefined : step())).catch(() => undefined);
  }
}
