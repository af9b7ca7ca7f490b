import { callStatus, type Call, type CallSnapshot } from '../call/call.js';
import { CallRecorder } from '../call/diagnostics/recorder.js';
import { realTimers } from '../call/ports.js';
import { text } from './text/index.js';
import { statusText } from './text/status.js';

/** Rune state around one Call: components read `snapshot` and send intents to `call`. */
export class CallStore {
  snapshot: CallSnapshot<MediaStream> = $state.raw(undefined as never);
  readonly status: string = $derived(statusText(text, callStatus(this.snapshot)));
  readonly #off: () => void;
  /** What "Save diagnostics" and the call history read; it keeps the call's story after it ends. */
  readonly recorder: CallRecorder;

  constructor(readonly call: Call<MediaStream>) {
    this.snapshot = call.snapshot;
    this.recorder = new CallRecorder(call, realTimers);
    const off = call.on('change', () => (this.snapshot = call.snapshot));
    // The browser noticing the network come back is the earliest sign that a reconnect can work.
    const online = () => call.networkChanged();
    globalThis.addEventListener('online', online);
    this.#off = () => {
      off();
      globalThis.removeEventListener('online', online);
    };
  }

  dispose(): void {
    this.#off();
    this.recorder.stop();
    this.call.hangUp();
  }
}
