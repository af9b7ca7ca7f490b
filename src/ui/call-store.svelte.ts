import { callStatus, type Call, type CallSnapshot } from '../call/call.js';

/** Rune state around one Call: components read `snapshot` and send intents to `call`. */
export class CallStore {
  snapshot: CallSnapshot<MediaStream> = $state.raw(undefined as never);
  readonly status: string = $derived(callStatus(this.snapshot));
  readonly #off: () => void;

  constructor(readonly call: Call<MediaStream>) {
    this.snapshot = call.snapshot;
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
    this.call.hangUp();
  }
}
