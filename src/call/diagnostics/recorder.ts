import type { CallState } from '../call-machine.js';
import type { Role } from '../call-machine.js';
import type { Timers } from '../ports.js';
import type { QualityDecision } from '../quality/policy.js';
import type { StatsInput } from '../quality/stats.js';
import type { QualitySummary } from '../quality/summary.js';
import { readIce, type IceReport } from './ice.js';
import {
  ICE_READ_INTERVAL_MS,
  MAX_DECISIONS,
  MAX_ERRORS,
  MAX_MESSAGE_CHARS,
  MAX_RECONNECTS,
  MAX_STATS_POINTS,
  MAX_TIMELINE,
} from './limits.js';
import type {
  CallRecording,
  DecisionEntry,
  ErrorEntry,
  ReconnectEntry,
  StatsPoint,
  TimelineEntry,
} from './recording.js';

/** The slice of a Call the recorder watches. */
export interface RecordableCall {
  readonly role: Role;
  readonly snapshot: {
    readonly state: CallState;
    readonly quality: QualitySummary | undefined;
    readonly decision: QualityDecision | undefined;
    readonly signalingOpen: boolean;
  };
  on(event: 'change', listener: () => void): () => void;
  connectionStats(): Promise<StatsInput> | undefined;
}

const round = (value: number | undefined, digits = 0) =>
  value === undefined || !Number.isFinite(value) ? undefined : Number(value.toFixed(digits));

/** Drops undefined fields, so that the file holds only what was measured. */
function defined<T extends object>(value: { [K in keyof T]-?: T[K] | undefined }): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Watches one call from its start and keeps what diagnostics and the call history need: the phase timeline,
 * one stats point per second, quality decisions with their reasons, reconnects, errors and the latest ICE
 * picture. Every list is bounded. `stop()` (or the call ending) releases its listener and timer.
 */
export class CallRecorder {
  readonly #call: RecordableCall;
  readonly #timers: Timers;
  readonly #start: number;
  readonly #startedAt: number;
  readonly #timeline: TimelineEntry[] = [];
  #stats: StatsPoint[] = [];
  #statsDropped = 0;
  readonly #decisions: DecisionEntry[] = [];
  readonly #reconnects: ReconnectEntry[] = [];
  readonly #errors: ErrorEntry[] = [];
  #ice: IceReport | undefined;
  #phase: string | undefined;
  #signalingOpen: boolean | undefined;
  #lastQualityAt: number | undefined;
  #lastDecisionAt: number | undefined;
  #connectedAfter: number | undefined;
  #endedAfter: number | undefined;
  #off: (() => void) | undefined;
  #iceTimer: unknown;

  constructor(call: RecordableCall, timers: Timers, wallClock: () => number = Date.now) {
    this.#call = call;
    this.#timers = timers;
    this.#start = timers.now();
    this.#startedAt = wallClock();
    this.#off = call.on('change', () => this.#observe());
    this.#iceTimer = timers.setInterval(() => void this.#readIce(), ICE_READ_INTERVAL_MS);
    this.#observe();
  }

  get recording(): CallRecording {
    return {
      startedAt: this.#startedAt,
      role: this.#call.role,
      connectedAfter: this.#connectedAfter,
      endedAfter: this.#endedAfter,
      participants: 2,
      timeline: [...this.#timeline],
      stats: [...this.#stats],
      statsDropped: this.#statsDropped,
      decisions: [...this.#decisions],
      reconnects: [...this.#reconnects],
      errors: [...this.#errors],
      ice: this.#ice,
    };
  }

  get ended(): boolean {
    return this.#endedAfter !== undefined;
  }

  stop(): void {
    this.#off?.();
    this.#off = undefined;
    if (this.#iceTimer !== undefined) this.#timers.clearInterval(this.#iceTimer);
    this.#iceTimer = undefined;
  }

  #t(): number {
    return round((this.#timers.now() - this.#start) / 1000, 1)!;
  }

  #observe(): void {
    const { state, quality, decision, signalingOpen } = this.#call.snapshot;
    const t = this.#t();
    if (state.phase !== this.#phase) this.#phaseChanged(state, t);
    if (signalingOpen !== this.#signalingOpen) {
      if (this.#signalingOpen !== undefined)
        push(
          this.#timeline,
          { t, event: signalingOpen ? 'signaling:open' : 'signaling:closed' },
          MAX_TIMELINE,
        );
      this.#signalingOpen = signalingOpen;
    }
    if (quality && quality.at !== this.#lastQualityAt) {
      this.#lastQualityAt = quality.at;
      this.#stats.push(
        defined<StatsPoint>({
          t,
          mos: round(quality.mos, 2),
          upKbps: round(quality.upKbps),
          downKbps: round(quality.downKbps),
          availableUpKbps: round(quality.availableUpKbps),
          upLossPercent: round(quality.upLossPercent, 1),
          downLossPercent: round(quality.downLossPercent, 1),
          rttMs: round(quality.rttMs),
          jitterMs: round(quality.jitterMs),
          sentFps: round(quality.sentFps),
          receivedFps: round(quality.receivedFps),
          level: decision?.level,
        }),
      );
      if (this.#stats.length > MAX_STATS_POINTS) {
        this.#stats = this.#stats.slice(-MAX_STATS_POINTS);
        this.#statsDropped += 1;
      }
    }
    if (decision && decision.at !== this.#lastDecisionAt) {
      this.#lastDecisionAt = decision.at;
      push(
        this.#decisions,
        defined<DecisionEntry>({
          t,
          level: decision.level,
          reason: decision.reason,
          mode: decision.mode,
          probing: decision.probing,
          availableKbps: round(decision.figures.availableKbps),
          lossPercent: round(decision.figures.lossPercent, 1),
        }),
        MAX_DECISIONS,
      );
    }
  }

  #phaseChanged(state: CallState, t: number): void {
    const previous = this.#phase;
    this.#phase = state.phase;
    const detail =
      state.phase === 'failed' ? state.error.kind : state.phase === 'ended' ? state.reason : undefined;
    push(
      this.#timeline,
      defined<TimelineEntry>({ t, event: `phase:${state.phase}` as const, detail }),
      MAX_TIMELINE,
    );
    if (state.phase === 'connected') {
      this.#connectedAfter ??= t;
      const open = this.#reconnects.at(-1);
      if (previous === 'reconnecting' && open && open.seconds === undefined)
        this.#reconnects[this.#reconnects.length - 1] = { t: open.t, seconds: round(t - open.t, 1)! };
      void this.#readIce();
    }
    if (state.phase === 'reconnecting') push(this.#reconnects, { t }, MAX_RECONNECTS);
    if (state.phase === 'failed')
      push(
        this.#errors,
        defined<ErrorEntry>({
          t,
          kind: state.error.kind,
          message: cut(state.error.message, MAX_MESSAGE_CHARS),
          detail:
            state.error.cause === undefined
              ? undefined
              : cut(String(state.error.cause), MAX_MESSAGE_CHARS * 2),
        }),
        MAX_ERRORS,
      );
    if (state.phase === 'ended' || state.phase === 'failed') {
      this.#endedAfter = t;
      this.stop();
    }
  }

  async #readIce(): Promise<void> {
    try {
      const stats = await this.#call.connectionStats();
      if (stats) this.#ice = readIce(stats);
    } catch (error) {
      push(
        this.#errors,
        { t: this.#t(), kind: 'stats', message: cut(String(error), MAX_MESSAGE_CHARS) },
        MAX_ERRORS,
      );
    }
  }
}

/** Appends, keeping the first `max - 1` entries and the latest (the start of a story matters most). */
function push<T>(list: T[], item: T, max: number): void {
  if (list.length < max) list.push(item);
  else list[max - 1] = item;
}

/**
 * Shortens text without leaving half a word: a token or fingerprint cut in two would no longer match the
 * patterns that remove it from a diagnostics file.
 */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max).replace(/[\w:.+/=%-]*$/, '')}…`;
}
