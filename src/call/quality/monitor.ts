import { qualityConfig, type QualityConfig, type QualityLevel } from './config.js';
import { Emitter } from '../emitter.js';
import { RollingHistory } from './history.js';
import { scoreSample, type CallScore } from './mos.js';
import { QualityPolicy, type QualityDecision, type TryVideoOptions } from './policy.js';
import type { TimerHandle, Timers } from '../ports.js';
import { deriveSample, readStats, type QualitySample, type StatsInput, type StatsSnapshot } from './stats.js';

/** One second of the call, as the UI and diagnostics see it. */
export interface QualityReading {
  /** The caller's clock (`timers.now()`), ms. */
  readonly at: number;
  readonly sample: QualitySample;
  readonly score: CallScore | undefined;
  /** The level in force after this sample. */
  readonly level: QualityLevel;
}

export type QualityMonitorEvents = {
  sample: [reading: QualityReading];
  /** A new decision: apply `sendingFor(decision.level)` and show `describeDecision(decision)`. */
  decision: [decision: QualityDecision];
  /** getStats failed; sampling goes on. */
  error: [error: unknown];
};

export interface QualityMonitorOptions {
  /** Usually `() => pc.getStats()`. */
  readonly getStats: () => Promise<StatsInput>;
  readonly timers: Timers;
  readonly config?: QualityConfig;
  readonly autoFallback?: boolean;
  readonly initialLevel?: QualityLevel;
}

/**
 * Samples `getStats` once a second, scores each sample, keeps a short history and runs the policy.
 * Overrides go through the monitor so their decision is emitted at once, not on the next sample.
 */
export class QualityMonitor extends Emitter<QualityMonitorEvents> {
  readonly policy: QualityPolicy;
  readonly #options: QualityMonitorOptions;
  readonly #config: QualityConfig;
  readonly #history: RollingHistory<QualityReading>;
  #timer: TimerHandle | undefined;
  #previous: StatsSnapshot | undefined;
  #inFlight = false;
  /** Bumped by stop(): a getStats answer from an earlier run is dropped. */
  #run = 0;

  constructor(options: QualityMonitorOptions) {
    super();
    this.#options = options;
    this.#config = options.config ?? qualityConfig;
    this.#history = new RollingHistory(this.#config.historySize);
    this.policy = new QualityPolicy({
      now: options.timers.now(),
      config: this.#config,
      ...(options.autoFallback === undefined ? {} : { autoFallback: options.autoFallback }),
      ...(options.initialLevel === undefined ? {} : { initialLevel: options.initialLevel }),
    });
  }

  get running(): boolean {
    return this.#timer !== undefined;
  }

  get decision(): QualityDecision {
    return this.policy.decision;
  }

  /** Oldest first, at most `historySize` readings. */
  get history(): readonly QualityReading[] {
    return this.#history.toArray();
  }

  /** Starts sampling (no-op when running); returns `stop`. */
  start(): () => void {
    if (this.#timer === undefined) {
      this.#timer = this.#options.timers.setInterval(() => void this.#tick(), this.#config.sampleIntervalMs);
    }
    return () => this.stop();
  }

  /** Stops sampling; safe to call more than once. A getStats still in flight is ignored when it answers. */
  stop(): void {
    if (this.#timer === undefined) return;
    this.#options.timers.clearInterval(this.#timer);
    this.#timer = undefined;
    this.#run += 1;
    this.#inFlight = false;
    this.#previous = undefined;
  }

  forceAudioOnly(): void {
    this.#emitDecision(this.policy.forceAudioOnly(this.#options.timers.now()));
  }

  tryVideo(options?: TryVideoOptions): void {
    this.#emitDecision(this.policy.tryVideo(this.#options.timers.now(), options));
  }

  releaseOverride(): void {
    this.#emitDecision(this.policy.release(this.#options.timers.now()));
  }

  setAutoFallback(enabled: boolean): void {
    this.#emitDecision(this.policy.setAutoFallback(enabled, this.#options.timers.now()));
  }

  async #tick(): Promise<void> {
    // A slow getStats is skipped over rather than queued: samples stay one per interval.
    if (this.#inFlight) return;
    this.#inFlight = true;
    const run = this.#run;
    let snapshot: StatsSnapshot;
    try {
      snapshot = readStats(await this.#options.getStats());
    } catch (error) {
      if (run === this.#run) {
        this.#inFlight = false;
        this.emit('error', error);
      }
      return;
    }
    if (run !== this.#run) return;
    this.#inFlight = false;
    const now = this.#options.timers.now();
    const sample = deriveSample(this.#previous, snapshot);
    this.#previous = snapshot;
    const decision = this.policy.update(sample, now);
    const reading: QualityReading = {
      at: now,
      sample,
      score: scoreSample(sample, this.#config),
      level: this.policy.decision.level,
    };
    this.#history.push(reading);
    this.emit('sample', reading);
    this.#emitDecision(decision);
  }

  #emitDecision(decision: QualityDecision | undefined): void {
    if (decision) this.emit('decision', decision);
  }
}
