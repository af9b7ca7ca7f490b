import { callStatus, type Call, type CallSnapshot } from '../call/call.js';
import { isLive } from '../call/call-machine.js';
import { CallRecorder } from '../call/diagnostics/recorder.js';
import { realTimers } from '../call/ports.js';
import { text } from './text/index.js';
import { shownName } from './shown-names.js';
import { statusText } from './text/status.js';

/** How long "Ayşe joined" stays in the status line. */
const NOTICE_MS = 4000;
/** A joiner's name comes over the data channel just after their link connects: "Guest n" only past this. */
const NAME_WAIT_MS = 3000;
/** The longest "Join call" keeps the preview on screen while its signals go out (see CallStore.join). */
const JOIN_VIEW_HOLD_MS = 100;

/** Who joined or left, for the notice; a joiner's name usually arrives just after their link connects. */
interface Notice {
  readonly kind: 'joined' | 'left';
  readonly id: string;
  readonly name: string | undefined;
  readonly position: number;
}

/** Rune state around one Call: components read `snapshot` and send intents to `call`. */
export class CallStore {
  snapshot: CallSnapshot<MediaStream> = $state.raw(undefined as never);
  /** A join or leave notice, for a few seconds. */
  #notice: Notice | undefined = $state();
  /** The notice's words, with the joiner's name as soon as it is known (else "Guest n"). */
  readonly notice: string | undefined = $derived(this.#noticeText());
  /** The notice while the call goes on; once it has ended (or failed), what happened to it. */
  readonly status: string = $derived(
    this.notice !== undefined && isLive(this.snapshot.state)
      ? this.notice
      : statusText(text, callStatus(this.snapshot)),
  );
  readonly #off: () => void;
  /** Between "Join call" and its signals being out: the view keeps the preview (see join()). */
  #viewHeld = false;
  /** What "Save diagnostics" and the call history read; it keeps the call's story after it ends. */
  readonly recorder: CallRecorder;
  #noticeTimer: ReturnType<typeof setTimeout> | undefined;
  /**
   * Join notices waiting (a moment) for their joiner's name, by participant id: people who join together
   * each wait for their own name (releasing one early would say "Guest n joined").
   */
  // Bookkeeping only (no view reads it): a plain Map, not a reactive one.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #heldJoins = new Map<string, { notice: Notice; timer: ReturnType<typeof setTimeout> }>();

  constructor(readonly call: Call<MediaStream>) {
    this.snapshot = call.snapshot;
    this.recorder = new CallRecorder(call, realTimers);
    const offs = [
      call.on('change', () => this.#refresh()),
      // Only in a group: a 1:1 call's own status says that someone came or went.
      call.on('participant-joined', (id, name, position) => {
        if (call.snapshot.participants.length < 2) return;
        const notice: Notice = { kind: 'joined', id, name, position };
        if (name !== undefined) return this.#notify(notice);
        clearTimeout(this.#heldJoins.get(id)?.timer);
        this.#heldJoins.set(id, { notice, timer: setTimeout(() => this.#releaseJoin(id), NAME_WAIT_MS) });
      }),
      call.on('participant-left', (id, name, position) => {
        // Someone who leaves before their name came is not announced as joining after it.
        clearTimeout(this.#heldJoins.get(id)?.timer);
        this.#heldJoins.delete(id);
        if (call.snapshot.participants.length >= 1) this.#notify({ kind: 'left', id, name, position });
      }),
    ];
    // The browser noticing the network come back is the earliest sign that a reconnect can work.
    const online = () => call.networkChanged();
    globalThis.addEventListener('online', online);
    this.#off = () => {
      for (const off of offs) off();
      globalThis.removeEventListener('online', online);
      clearTimeout(this.#noticeTimer);
      for (const held of this.#heldJoins.values()) clearTimeout(held.timer);
      this.#heldJoins.clear();
    };
  }

  /**
   * "Join call" on a preview. The view follows only once what the click sends is on the socket (a few
   * ms), or after JOIN_VIEW_HOLD_MS at the most: drawing the call view is the page's largest piece of work
   * (40–80 ms in a fresh browser), and done first it would hold the sealing of the candidates behind it
   * on the page's one thread, while the connection could already be checking.
   */
  join(): void {
    this.#viewHeld = true;
    const release = () => {
      clearTimeout(timer);
      if (!this.#viewHeld) return;
      this.#viewHeld = false;
      this.#refresh();
    };
    const timer = setTimeout(release, JOIN_VIEW_HOLD_MS);
    void this.call.join().finally(release);
  }

  #refresh(): void {
    if (this.#viewHeld) return;
    this.snapshot = this.call.snapshot;
    for (const p of this.snapshot.participants)
      if (p.name !== undefined && this.#heldJoins.has(p.id)) this.#releaseJoin(p.id);
  }

  #releaseJoin(id: string): void {
    const held = this.#heldJoins.get(id);
    if (!held) return;
    clearTimeout(held.timer);
    this.#heldJoins.delete(id);
    this.#notify(held.notice);
  }

  #notify(notice: Notice): void {
    this.#notice = notice;
    clearTimeout(this.#noticeTimer);
    this.#noticeTimer = setTimeout(() => (this.#notice = undefined), NOTICE_MS);
  }

  #noticeText(): string | undefined {
    const notice = this.#notice;
    if (notice === undefined) return undefined;
    const now = this.snapshot.participants.find((p) => p.id === notice.id);
    const name = shownName({ name: now?.name ?? notice.name, position: notice.position });
    return notice.kind === 'joined' ? text.status.joined(name) : text.status.left(name);
  }

  dispose(): void {
    this.#off();
    this.recorder.stop();
    this.call.hangUp();
  }
}
