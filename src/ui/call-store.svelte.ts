import type { Call, CallSnapshot } from '../call/call.js';
import { statusText } from '../call/call-machine.js';

/** Rune state around one Call: components read `snapshot` and send intents to `call`. */
export class CallStore {
  snapshot: CallSnapshot<MediaStream> = $state.raw(undefined as never);
  readonly status: string = $derived(callStatus(this.snapshot));
  readonly #off: () => void;

  constructor(readonly call: Call<MediaStream>) {
    this.snapshot = call.snapshot;
    this.#off = call.on('change', () => (this.snapshot = call.snapshot));
  }

  dispose(): void {
    this.#off();
    this.call.hangUp();
  }
}

/** The status line: the call's phase, plus "Audio only" while we send no video. */
export function callStatus(snapshot: CallSnapshot<unknown>): string {
  const text = statusText(snapshot.state);
  const audioOnly = snapshot.state.phase === 'connected' && snapshot.decision?.level === 'audio-only';
  return audioOnly ? `${text} · Audio only` : text;
}
