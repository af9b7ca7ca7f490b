/**
 * The adaptation policy: fed one sample a second and the time, it decides what video we send.
 *
 *   Down, fast. When `downBadSamples` of the last `downWindow` samples are bad for the current level, step
 *   straight to the level the bad samples support (their upper median), with no hold: audio comes first.
 *   The fast path reads only the bandwidth estimate and reported loss, never qualityLimitationReason.
 *
 *   Up, one level at a time, after a hold since the last change (`holdAfterUpMs` after a step up,
 *   `holdAfterDownMs` after a step down, doubled for every step up that had to be undone, up to
 *   `maxHoldAfterDownMs`; from audio-only `audioProbeHoldMs`, doubled the same way up to
 *   `maxAudioProbeHoldMs`, since its trial is hidden and cheap, see below). Two ways up:
 *   - measured: `upGoodMs` of samples with headroom for the next level (estimate ≥ its `upKbps`, loss
 *     ≤ `upLossPercent`, encoder not limited by bandwidth or CPU);
 *   - probed: the estimate cannot show headroom we do not use. libwebrtc grows it to at most ~1.5 × what we
 *     send + 10 kbps, so while audio-only (~50 kbps) it stays near 80 kbps on any link. When we are plainly
 *     application-limited (estimate ≥ `appLimitedRatio` × sent; from audio-only `audioProbeRatio`, where
 *     Chromium itself counts the link as application-limited) and `probeCleanMs` (from audio-only
 *     `audioProbeCleanMs`) of samples were clean, we send the next level on trial: the decision says
 *     `probing: true` (the peer keeps showing the settled level). Raising the encoder's allocation makes
 *     Chromium probe the link at about twice the level's bitrate, so the estimate — computed from the other
 *     side's per-packet arrival reports, i.e. what actually reached it — answers within 1–2 s. The trial is
 *     judged on that estimate and on loss, not on the frames: hidden trial frames reached the other side at
 *     4–15 fps through a 100 kbit limit too, so "frames arrived" cannot tell a limited link from a free one.
 *     How a trial is judged and when it ends is trial.ts; a failed one counts as an undone step up here.
 *
 * So, in steady conditions the settled level changes at most once per 20 s: a measured step up only happens
 * after 10 s of samples that already carry the next level; a probe that fails leaves the settled level alone
 * and doubles the wait before the next one; an oscillating link never gives the 3 good samples in a row that
 * a 4-sample trial needs before its next bad spell.
 *
 * The user can force audio-only, or force video ("Try video anyway") at a level for a while; automatic
 * fallback can be switched off, after which the policy never goes below `low` by itself.
 */
import {
  hasLasted,
  higherLevel,
  levelAbove,
  levelRank,
  qualityConfig,
  type LevelThresholds,
  type QualityConfig,
  type QualityLevel,
  type VideoLevel,
} from './config.js';
import { fits, signalsOf, thresholdsFor, type Signals } from './signals.js';
import type { QualitySample } from './stats.js';
import { Trial, type TrialVerdict } from './trial.js';

export type DecisionReason =
  /** The level the call started with. */
  | 'start'
  /** Stepped down: too little available upload for the level. */
  | 'bandwidth'
  /** Stepped down: too much of what we send is lost. */
  | 'loss'
  /** Stepped up: the estimate showed room for the next level for long enough. */
  | 'recovered'
  /** Sending the next level on trial (`probing: true`). */
  | 'probe'
  /** The trial held: the level is settled. */
  | 'probe-succeeded'
  /** The trial met congestion or never got there: back to the settled level. */
  | 'probe-failed'
  | 'user-audio-only'
  | 'user-video'
  /** The user ended their override; automatic control resumes. */
  | 'user-released'
  /** "Try video anyway" ran out; automatic control resumes. */
  | 'override-expired'
  /** Automatic fallback was switched off while audio-only: back to video at `low`. */
  | 'fallback-disabled';

export type DecisionMode = 'auto' | 'forced-audio-only' | 'forced-video';

export interface DecisionFigures {
  /** Median available upload over the samples behind the decision (for a step down, the bad ones; else the
   *  last `downBadSamples`). */
  readonly availableKbps: number | undefined;
  /** Median send-side packet loss over the same samples. */
  readonly lossPercent: number | undefined;
  /** What we sent in the latest sample. */
  readonly sendKbps: number | undefined;
}

export interface QualityDecision {
  /** What to send now: apply `encodingFor(level)`. */
  readonly level: QualityLevel;
  /** The level the policy stands by; differs from `level` only while probing. */
  readonly settledLevel: QualityLevel;
  /** `level` is on trial: tell the peer to keep showing `settledLevel` (e.g. its audio-only view). */
  readonly probing: boolean;
  readonly mode: DecisionMode;
  readonly reason: DecisionReason;
  readonly autoFallback: boolean;
  /** When the decision was made (the caller's clock, ms). */
  readonly at: number;
  readonly figures: DecisionFigures;
  /** When a forced-video override ends (`Infinity`: when released). */
  readonly overrideUntil: number | undefined;
  /** Earliest time automatic control may step up or probe (undefined at `high` or under an override). */
  readonly nextStepUpAt: number | undefined;
}

export interface QualityPolicyOptions {
  /** The caller's clock at creation (ms); the start grace counts from here. */
  readonly now: number;
  readonly config?: QualityConfig;
  /** Whether the policy may choose audio-only by itself (default true). */
  readonly autoFallback?: boolean;
  readonly initialLevel?: QualityLevel;
}

export interface TryVideoOptions {
  readonly level?: VideoLevel;
  /** How long automatic fallback stays suspended; `Infinity` until released. */
  readonly durationMs?: number;
}

interface Change {
  readonly level: QualityLevel;
  readonly reason: DecisionReason;
  readonly probingFrom?: QualityLevel;
  /** The samples that justify the change (default: the latest few). */
  readonly basis?: readonly Signals[];
}

type Override =
  | { readonly kind: 'audio-only' }
  | { readonly kind: 'video'; readonly level: VideoLevel; readonly until: number };

export class QualityPolicy {
  readonly config: QualityConfig;
  readonly #createdAt: number;
  #autoFallback: boolean;
  #decision: QualityDecision;
  /** The automatic, settled level (kept, frozen, while the user overrides). */
  #settled: QualityLevel;
  /** The hidden trial under way, if any (trial.ts). */
  #probe: Trial | undefined;
  #override: Override | undefined;
  #window: Signals[] = [];
  #latest: Signals | undefined;
  #upRunStart: number | undefined;
  #cleanRunStart: number | undefined;
  #lastSwitchAt: number;
  #lastSwitchDown = false;
  /** A step up not yet `revertWindowMs` old: a step down before then undoes it. */
  #pendingUpAt: number | undefined;
  /** Step-up attempts undone in a row. */
  #reverts = 0;
  /** One of them was a settled step up the link took back (a switch the user saw), not only hidden trials. */
  #flipped = false;

  constructor(options: QualityPolicyOptions) {
    this.config = options.config ?? qualityConfig;
    this.#createdAt = options.now;
    this.#autoFallback = options.autoFallback ?? true;
    this.#settled = higherLevel(options.initialLevel ?? 'high', this.#floor());
    this.#lastSwitchAt = options.now;
    this.#decision = this.#build({ level: this.#settled, reason: 'start' }, options.now);
  }

  get decision(): QualityDecision {
    return this.#decision;
  }

  /** Feeds one sample; returns the new decision, or undefined when nothing changed. */
  update(sample: QualitySample, now: number): QualityDecision | undefined {
    if (!this.#lasted(this.#createdAt, this.config.startGraceMs, now)) return undefined;
    const signals = signalsOf(sample);
    this.#latest = signals;
    this.#window.push(signals);
    if (this.#window.length > this.config.downWindow) this.#window.shift();
    // More than the window: at least one sample past it.
    const pastRevertWindow = this.config.revertWindowMs + this.config.sampleIntervalMs;
    if (this.#pendingUpAt !== undefined && this.#lasted(this.#pendingUpAt, pastRevertWindow, now)) {
      this.#pendingUpAt = undefined;
      this.#reverts = 0;
      this.#flipped = false;
    }

    const override = this.#override;
    if (override?.kind === 'video' && this.#lasted(override.until, 0, now)) {
      this.#override = undefined;
      this.#resume(override.level, now);
      return this.#decide(
        this.#evaluate(signals, now) ?? { level: override.level, reason: 'override-expired' },
        now,
      );
    }
    if (override) return undefined;
    const change = this.#evaluate(signals, now);
    return change ? this.#decide(change, now) : undefined;
  }

  /** The user chose audio-only; it lasts until `release`. */
  forceAudioOnly(now: number): QualityDecision | undefined {
    if (this.#override?.kind === 'audio-only') return undefined;
    this.#dropProbe();
    this.#override = { kind: 'audio-only' };
    return this.#decide({ level: 'audio-only', reason: 'user-audio-only' }, now);
  }

  /** "Try video anyway": video at `level` (default `low`), automatic fallback suspended for a while. */
  tryVideo(now: number, options: TryVideoOptions = {}): QualityDecision {
    this.#dropProbe();
    const level = options.level ?? 'low';
    this.#override = { kind: 'video', level, until: now + (options.durationMs ?? this.config.tryVideoMs) };
    return this.#decide({ level, reason: 'user-video' }, now);
  }

  /** Ends the user's override; automatic control resumes. */
  release(now: number): QualityDecision | undefined {
    const override = this.#override;
    if (!override) return undefined;
    this.#override = undefined;
    if (override.kind === 'video') {
      this.#resume(override.level, now);
      const latest = this.#latest;
      const change = latest ? this.#evaluate(latest, now, { fresh: false }) : undefined;
      return this.#decide(change ?? { level: override.level, reason: 'user-released' }, now);
    }
    // Samples taken while audio-only say nothing about video (the estimate is capped by the audio rate), so
    // go back to the level we had as a probe, judged on congestion like any other.
    this.#window = [];
    const back = this.#settled;
    this.#resume(this.#floor(), now);
    if (levelRank(back) <= levelRank(this.#settled))
      return this.#decide({ level: this.#settled, reason: 'user-released' }, now);
    this.#startProbe(back, now);
    return this.#decide({ level: back, reason: 'user-released', probingFrom: this.#settled }, now);
  }

  /** The user's setting: may the policy go audio-only by itself? */
  setAutoFallback(enabled: boolean, now: number): QualityDecision | undefined {
    if (enabled === this.#autoFallback) return undefined;
    this.#autoFallback = enabled;
    if (!enabled && !this.#override && this.#settled === 'audio-only') {
      this.#dropProbe();
      this.#resume('low', now);
      return this.#decide({ level: 'low', reason: 'fallback-disabled' }, now);
    }
    if (!enabled && this.#settled === 'audio-only') this.#settled = 'low';
    this.#decision = { ...this.#decision, autoFallback: enabled };
    return this.#decision;
  }

  #floor(): QualityLevel {
    return this.#autoFallback ? 'audio-only' : 'low';
  }

  #evaluate(s: Signals, now: number, options: { fresh: boolean } = { fresh: true }): Change | undefined {
    if (options.fresh) this.#trackRuns(s, now);
    if (this.#probe) return options.fresh ? this.#judgeProbe(s, now) : undefined;
    return this.#stepDown(now) ?? this.#stepUp(s, now);
  }

  #trackRuns(s: Signals, now: number): void {
    const settled = this.#settled;
    const next = levelAbove(settled);
    const limited = settled !== 'audio-only' && (s.limitation === 'bandwidth' || s.limitation === 'cpu');
    // Loss comes with the other side's RTCP reports, which for audio alone arrive only every ~5 s: a sample
    // without one carries a run on, but cannot start one.
    const lowLoss = (running: boolean) =>
      s.lossPercent === undefined ? running : s.lossPercent <= this.config.upLossPercent;
    const upGood =
      next !== settled &&
      !limited &&
      lowLoss(this.#upRunStart !== undefined) &&
      (s.availableKbps === undefined || s.availableKbps >= this.#thresholds(next).upKbps);
    this.#upRunStart = upGood ? (this.#upRunStart ?? now) : undefined;
    // From audio-only a trial is cheap and judged on its own samples: the audio need only not be collapsing
    // (loss ≤ low's line), and a missing report does not delay the start. A report covers the ~5 s before it,
    // so the one after a limit goes still counts the limit's losses (measured: 5 % and 12 %).
    const audioOnly = settled === 'audio-only';
    const clean =
      (audioOnly
        ? s.lossPercent === undefined || s.lossPercent <= this.#thresholds('low').maxLossPercent
        : lowLoss(this.#cleanRunStart !== undefined)) &&
      levelRank(fits(s, this.config)) >= levelRank(settled);
    this.#cleanRunStart = clean ? (this.#cleanRunStart ?? now) : undefined;
  }

  #stepDown(now: number): Change | undefined {
    const settled = this.#settled;
    if (levelRank(settled) <= levelRank(this.#floor())) return this.#starvedAtFloor();
    const bad = this.#window.filter((s) => levelRank(fits(s, this.config)) < levelRank(settled));
    if (bad.length < this.config.downBadSamples) return undefined;
    const supported = bad.map((s) => fits(s, this.config)).sort((a, b) => levelRank(b) - levelRank(a));
    const target = higherLevel(
      supported[Math.floor((supported.length - 1) / 2)] ?? 'audio-only',
      this.#floor(),
    );
    if (target === settled) return undefined;
    this.#switchTo(target, now, 'down');
    return { level: target, reason: this.#whyBad(bad, settled), basis: bad };
  }

  /**
   * With automatic audio-only off, `low` is as far down as video goes. When the connection cannot carry even
   * that, the decision says so once (the same level, reason `bandwidth` or `loss`): the sender is told why
   * the other side sees so little, whatever brought the call to `low` before.
   */
  #starvedAtFloor(): Change | undefined {
    if (this.#autoFallback || this.#settled !== 'low' || STARVED_REASONS.has(this.#decision.reason))
      return undefined;
    const bad = this.#window.filter((s) => fits(s, this.config) === 'audio-only');
    if (bad.length < this.config.downBadSamples) return undefined;
    return { level: 'low', reason: this.#whyBad(bad, 'low'), basis: bad };
  }

  /** Whether loss or a lack of upload put the most of `bad` under `level`'s lines. */
  #whyBad(bad: readonly Signals[], level: QualityLevel): 'loss' | 'bandwidth' {
    const t = this.#thresholds(level);
    const lossy = bad.filter((s) => s.lossPercent !== undefined && s.lossPercent > t.maxLossPercent).length;
    const slow = bad.filter((s) => s.availableKbps !== undefined && s.availableKbps < t.minKbps).length;
    return lossy > slow ? 'loss' : 'bandwidth';
  }

  #stepUp(s: Signals, now: number): Change | undefined {
    const settled = this.#settled;
    const next = levelAbove(settled);
    if (next === settled || !this.#lasted(this.#lastSwitchAt, this.#holdMs(), now)) return undefined;
    if (this.#upRunStart !== undefined && this.#lasted(this.#upRunStart, this.config.upGoodMs, now)) {
      this.#switchTo(next, now, 'up');
      return { level: next, reason: 'recovered' };
    }
    const c = this.config;
    // From audio-only, wait for an estimate at which Chromium will probe the link when video starts.
    const ratio =
      settled === 'audio-only' && !this.#lasted(this.#lastSwitchAt, c.maxAudioProbeHoldMs, now)
        ? c.audioProbeRatio
        : c.appLimitedRatio;
    const appLimited =
      s.availableKbps !== undefined && s.sendKbps !== undefined && s.availableKbps >= ratio * s.sendKbps;
    const cleanMs = settled === 'audio-only' ? c.audioProbeCleanMs : c.probeCleanMs;
    if (appLimited && this.#cleanRunStart !== undefined && this.#lasted(this.#cleanRunStart, cleanMs, now)) {
      this.#startProbe(next, now);
      return { level: next, reason: 'probe', probingFrom: settled };
    }
    return undefined;
  }

  #startProbe(target: QualityLevel, now: number): void {
    this.#probe = new Trial(target, now, this.#latest?.availableKbps, this.config);
  }

  #judgeProbe(s: Signals, now: number): Change | undefined {
    const verdict = this.#probe!.judge(s, now, this.#settled);
    return verdict ? this.#endProbe(verdict, now) : undefined;
  }

  /** Settles a trial at the level of its verdict, or counts its failure as an undone step up. */
  #endProbe(verdict: TrialVerdict, now: number): Change {
    this.#probe = undefined;
    if (verdict.outcome === 'failed') {
      this.#reverts += 1;
      this.#pendingUpAt = undefined;
      this.#switchTo(this.#settled, now, 'down');
      return { level: this.#settled, reason: 'probe-failed' };
    }
    this.#switchTo(verdict.level, now, 'up');
    return { level: verdict.level, reason: 'probe-succeeded' };
  }

  #dropProbe(): void {
    this.#probe = undefined;
  }

  #switchTo(level: QualityLevel, now: number, direction: 'up' | 'down'): void {
    if (direction === 'down' && this.#pendingUpAt !== undefined) {
      this.#reverts += 1;
      this.#flipped = true;
      this.#pendingUpAt = undefined;
    }
    if (direction === 'up') this.#pendingUpAt = now;
    this.#settled = level;
    this.#lastSwitchAt = now;
    this.#lastSwitchDown = direction === 'down';
    this.#upRunStart = undefined;
    this.#cleanRunStart = undefined;
  }

  /** Automatic control takes over at `level` after an override (not a step of its own: no revert counted). */
  #resume(level: QualityLevel, now: number): void {
    this.#settled = higherLevel(level, this.#floor());
    this.#pendingUpAt = undefined;
    this.#lastSwitchAt = now;
    this.#lastSwitchDown = false;
    this.#upRunStart = undefined;
    this.#cleanRunStart = undefined;
  }

  #lasted(since: number, ms: number, now: number): boolean {
    return hasLasted(since, now, ms, this.config);
  }

  #holdMs(): number {
    if (!this.#lastSwitchDown) return this.config.holdAfterUpMs;
    const c = this.config;
    if (this.#settled !== 'audio-only')
      return Math.min(c.holdAfterDownMs * 2 ** this.#reverts, c.maxHoldAfterDownMs);
    // Failed hidden trials cost little, so their wait stays short; video the user saw come and go does not.
    const max = this.#flipped ? c.maxHoldAfterDownMs : c.maxAudioProbeHoldMs;
    return Math.min(c.audioProbeHoldMs * 2 ** this.#reverts, max);
  }

  #thresholds(level: QualityLevel): LevelThresholds {
    return thresholdsFor(level, this.config);
  }

  #decide(change: Change, now: number): QualityDecision {
    this.#decision = this.#build(change, now);
    return this.#decision;
  }

  #build(change: Change, now: number): QualityDecision {
    const override = this.#override;
    const mode: DecisionMode = !override
      ? 'auto'
      : override.kind === 'video'
        ? 'forced-video'
        : 'forced-audio-only';
    const settledLevel = change.probingFrom ?? change.level;
    // The samples that moved the policy: enough to be steady, recent enough to be what the user lives with.
    const recent = change.basis ?? this.#window.slice(-this.config.downBadSamples);
    return {
      level: change.level,
      settledLevel,
      probing: change.probingFrom !== undefined,
      mode,
      reason: change.reason,
      autoFallback: this.#autoFallback,
      at: now,
      figures: {
        availableKbps: median(recent.map((s) => s.availableKbps)),
        lossPercent: median(recent.map((s) => s.lossPercent)),
        sendKbps: this.#latest?.sendKbps,
      },
      overrideUntil: override?.kind === 'video' ? override.until : undefined,
      nextStepUpAt:
        mode === 'auto' && settledLevel !== 'high' ? this.#lastSwitchAt + this.#holdMs() : undefined,
    };
  }
}

/** The reasons of a decision at `low` that already say the connection holds video there. */
const STARVED_REASONS: ReadonlySet<DecisionReason> = new Set<DecisionReason>([
  'bandwidth',
  'loss',
  'probe-failed',
  'fallback-disabled',
]);

function median(values: readonly (number | undefined)[]): number | undefined {
  const sorted = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}
