import type { Call } from '../call/call.js';
import { isFinal } from '../call/call-machine.js';
import {
  initialShareState,
  nextShare,
  shareProblemOf,
  type ShareEndReason,
  type ShareEvent,
  type ShareSource,
  type SharedTab,
  type ShareState,
} from '../call/share.js';

/** A running capture of one tab: what the call sends instead of the camera and microphone. */
export interface TabCapture {
  readonly video: MediaStreamTrack;
  /** The microphone mixed with the tab's sound (undefined: the microphone goes on alone). */
  readonly audio: MediaStreamTrack | undefined;
  /** The title to show (the browser's own where it picked the tab). */
  readonly title: string;
  readonly height: number | undefined;
  /** Calls back once when the tab closes, goes to another page, or is stopped from the browser. */
  onEnd(listener: (reason: Exclude<ShareEndReason, 'user' | 'call-ended'>) => void): void;
  /** Stops every track, listener and audio graph; safe to call more than once. */
  stop(): void;
}

/** The browser's side of sharing (src/ext/capture.ts); a page without it cannot share. */
export interface TabCapturer {
  /** A tab named beforehand, or a window or screen picked in the browser's dialog. */
  readonly source: ShareSource;
  /** The tab the user is looking at, to name it in the question (undefined: none, or not known). */
  activeTab(): Promise<SharedTab | undefined>;
  /**
   * Starts capturing `tab`. `invoked`: the user just clicked our toolbar button on that tab. Rejects with
   * a ShareError or the browser's own error (see `shareProblemOf`).
   */
  capture(
    tab: SharedTab,
    options: { microphone: MediaStreamTrack | undefined; invoked: boolean },
  ): Promise<TabCapture>;
}

/**
 * Rune state around sharing in one call: the share machine (src/call/share.ts), the running capture, and
 * the call's senders. Components read `state` and call the intents; the capture is stopped when the call
 * ends or this store is disposed.
 */
export class ShareStore {
  state: ShareState = $state.raw(initialShareState);
  readonly #call: Call<MediaStream>;
  readonly #capturer: TabCapturer;
  #capture: TabCapture | undefined;
  /** Whether the pending request came from a click on our toolbar button on that tab. */
  #invoked = false;
  /** Bumped by every start, so that a capture finishing after a cancel or a newer start is dropped. */
  #attempt = 0;
  readonly #off: () => void;

  constructor(call: Call<MediaStream>, capturer: TabCapturer) {
    this.#call = call;
    this.#capturer = capturer;
    // A reconnecting call keeps its share; only the end of the call ends it.
    this.#off = call.on('change', () => {
      if (isFinal(call.state) && (this.state.phase !== 'camera' || this.#capture)) this.#end('call-ended');
    });
  }

  get source(): ShareSource {
    return this.#capturer.source;
  }

  /**
   * "Share this tab". Without `tab`, the active tab of this window. `invoked`: the request comes from a click
   * on our toolbar button (the popup), which lets Chrome capture that tab.
   */
  async request(tab?: SharedTab, invoked = false): Promise<void> {
    if (this.#call.state.phase !== 'connected') {
      this.#dispatch({ type: 'failed', problem: 'not-connected' });
      return;
    }
    let target = tab;
    if (!target) {
      try {
        target = await this.#capturer.activeTab();
      } catch (error) {
        this.#dispatch({ type: 'failed', problem: shareProblemOf(error, false) });
        return;
      }
      if (!target) {
        this.#dispatch({ type: 'failed', problem: 'no-tab' });
        return;
      }
    }
    this.#invoked = invoked;
    this.#dispatch({ type: 'request', tab: target });
    if (this.state.phase === 'starting') await this.#start();
  }

  async confirm(): Promise<void> {
    this.#dispatch({ type: 'confirm' });
    if (this.state.phase === 'starting') await this.#start();
  }

  cancel(): void {
    this.#dispatch({ type: 'cancel' });
  }

  /** "Stop sharing": back to the camera. */
  stop(): void {
    this.#end('user');
  }

  dismiss(): void {
    this.#dispatch({ type: 'dismiss' });
  }

  dispose(): void {
    this.#off();
    this.#end('call-ended');
  }

  async #start(): Promise<void> {
    if (this.state.phase !== 'starting') return;
    const tab = this.state.tab;
    const attempt = ++this.#attempt;
    const invoked = this.#invoked;
    let capture: TabCapture;
    try {
      const microphone = this.#call.snapshot.localStream?.getAudioTracks()[0];
      capture = await this.#capturer.capture(tab, { microphone, invoked });
    } catch (error) {
      if (attempt === this.#attempt)
        this.#dispatch({ type: 'failed', problem: shareProblemOf(error, invoked) });
      return;
    }
    if (attempt !== this.#attempt || this.state.phase !== 'starting') {
      capture.stop();
      return;
    }
    const started = this.#call.startSharing({
      video: capture.video,
      ...(capture.audio ? { audio: capture.audio } : {}),
      title: capture.title,
      ...(capture.height === undefined ? {} : { height: capture.height }),
    });
    if (!started) {
      capture.stop();
      this.#dispatch({ type: 'failed', problem: 'not-connected' });
      return;
    }
    // Switching tabs: the call already sends the new one, so the old capture can go.
    this.#capture?.stop();
    this.#capture = capture;
    // The host is told what the other side is told: the browser's name for what was picked.
    this.#dispatch({ type: 'started', title: capture.title });
    capture.onEnd((reason) => {
      if (this.#capture === capture) this.#end(reason);
    });
  }

  #end(reason: ShareEndReason): void {
    this.#attempt++;
    const capture = this.#capture;
    this.#capture = undefined;
    if (capture) {
      this.#call.stopSharing();
      capture.stop();
    }
    this.#dispatch({ type: 'ended', reason });
    if (reason === 'call-ended') this.#dispatch({ type: 'cancel' });
  }

  #dispatch(event: ShareEvent): void {
    this.state = nextShare(this.state, event);
  }
}
