import type { QualityLevel } from '../../../../src/call/quality/config.js';
import type { QualityDecision, QualityPolicy } from '../../../../src/call/quality/policy.js';
import type { QualityLimitationReason, QualitySample } from '../../../../src/call/quality/stats.js';

export interface SampleSpec {
  /** availableOutgoingBitrate, kbps */
  available?: number;
  /** send-side loss, % */
  loss?: number;
  /** what went through the candidate pair, kbps */
  send?: number;
  limitation?: QualityLimitationReason;
  rttMs?: number;
  inAudio?: { loss?: number; jitter?: number };
  outAudio?: { loss?: number; jitter?: number };
}

/** A QualitySample with only the given figures known. */
export function sample(spec: SampleSpec): QualitySample {
  const none = { bitrateKbps: undefined, packetLossPercent: undefined, jitterMs: undefined };
  const video = { ...none, framesPerSecond: undefined, resolution: undefined };
  return {
    timestamp: undefined,
    intervalMs: 1000,
    rttMs: spec.rttMs,
    availableOutgoingKbps: spec.available,
    availableIncomingKbps: undefined,
    sendKbps: spec.send,
    receiveKbps: undefined,
    outbound: {
      bitrateKbps: undefined,
      packetLossPercent: spec.loss ?? spec.outAudio?.loss,
      audio: { ...none, packetLossPercent: spec.outAudio?.loss, jitterMs: spec.outAudio?.jitter },
      video: { ...video, qualityLimitationReason: spec.limitation, targetBitrateKbps: undefined },
    },
    inbound: {
      bitrateKbps: undefined,
      packetLossPercent: spec.inAudio?.loss,
      audio: { ...none, packetLossPercent: spec.inAudio?.loss, jitterMs: spec.inAudio?.jitter },
      video: { ...video, freezes: undefined },
    },
  };
}

export interface Step {
  /** seconds since the start */
  t: number;
  decision: QualityDecision;
}

/**
 * Feeds `policy` one sample per second for t = from … to (seconds; the policy was created at t = 0) and
 * returns every new decision. `at` may read the level in force, as a real link does.
 */
export function drive(
  policy: QualityPolicy,
  from: number,
  to: number,
  at: (t: number, level: QualityLevel) => QualitySample,
): Step[] {
  const steps: Step[] = [];
  for (let t = from; t <= to; t += 1) {
    const decision = policy.update(at(t, policy.decision.level), t * 1000);
    if (decision) steps.push({ t, decision });
  }
  return steps;
}

/** Times (s) at which the settled level changed, among `steps`. */
export function settledChanges(steps: readonly Step[], initial: QualityLevel): number[] {
  const times: number[] = [];
  let settled = initial;
  for (const { t, decision } of steps) {
    if (decision.settledLevel !== settled) times.push(t);
    settled = decision.settledLevel;
  }
  return times;
}

/** The most changes in any window of `windowS` seconds. */
export function mostInWindow(times: readonly number[], windowS: number): number {
  let most = 0;
  for (const start of times)
    most = Math.max(most, times.filter((t) => t >= start && t < start + windowS).length);
  return most;
}

/** Deterministic runs of 2 or 3 seconds (a tiny LCG, so every run of the test is the same). */
export function alternating(seed: number, totalS: number): boolean[] {
  let x = seed;
  const good: boolean[] = [];
  let state = true;
  while (good.length < totalS) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const run = 2 + ((x >>> 16) & 1);
    for (let i = 0; i < run; i += 1) good.push(state);
    state = !state;
  }
  return good.slice(0, totalS);
}
