import { callStatus, type Call, type CallSnapshot } from '../call/call.js';
import { isLive } from '../call/call-machine.js';
import { CallRecorder } from '../call/diagnostics/recorder.js';
import { realTimers } from '../call/ports.js';
import { text } from './text/index.js';
import { statusText } from './text/status.js';

/** How long "Ayşe joined" stays in the status line. */
const NOTICE_MS = 4000;

/** Rune state around one Call: components read `snapshot` and send intents to `call`. */
export class CallStore {
  snapshot: CallSnapshot<MediaStream> = $state.raw(undefined as never);
  /** A join or leave notice, for a few seconds. */
  notice: string | undefined = $state();
  /** The notice while the call goes on; once it has ended (or failed), what happened to it. */
  readonly status: string = $derived(
    this.notice !== undefined && isLive(this.snapshot.state)
      ? this.notice
      : statusText(text, callStatus(this.snapshot)),
  );
  readonly #off: () => void;
  /** What "Save diagnostics" and the call history read; it keeps the call's story after it ends. */
  readonly recorder: CallRecorder;
  #noticeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly call: Call<MediaStream>) {
    this.snapshot = call.snapshot;
    this.recorder = new CallRecorder(call, realTimers);
    const offs = [
      call.on('change', () => (this.snapshot = call.snapshot)),
      // Only in a group: a 1:1 call's own status says that someone came or went.
      call.on('participant-joined', (_id, name, position) => {
        if (call.snapshot.participants.length >= 2)
          this.#notify(text.status.joined(name ?? text.call.guest(position)));
      }),
      call.on('participant-left', (_id, name, position) => {
        if (call.snapshot.participants.length >= 1)
          this.#notify(text.status.left(name ?? text.call.guest(position)));
      }),
    ];
    // The browser noticing the network come back is the earliest sign that a reconnect can work.
    const online = () => call.networkChanged();
    globalThis.addEventListener('online', online);
    this.#off = () => {
      for (const off of offs) off();
      globalThis.removeEventListener('online', online);
      clearTimeout(this.#noticeTimer);
    };
  }

  #notify(notice: string): void {
    this.notice = notice;
    clearTimeout(this.#noticeTimer);
    this.#noticeTimer = setTimeout(() => (this.notice = undefined), NOTICE_MS);
  }

  dispose(): void {
    this.#off();
    this.recorder.stop();
    this.call.hangUp();
  }
}
