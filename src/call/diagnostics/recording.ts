import type { CallPhase } from '../call-machine.js';
import type { QualityLevel } from '../quality/config.js';
import type { DecisionReason } from '../quality/policy.js';
import type { IceReport } from './ice.js';

/** One second of the call, reduced to figures (no ids, no addresses). */
export interface StatsPoint {
  /** Seconds since the call started. */
  readonly t: number;
  readonly mos?: number;
  readonly upKbps?: number;
  readonly downKbps?: number;
  readonly availableUpKbps?: number;
  readonly upLossPercent?: number;
  readonly downLossPercent?: number;
  readonly rttMs?: number;
  readonly jitterMs?: number;
  readonly sentFps?: number;
  readonly receivedFps?: number;
  readonly level?: QualityLevel;
}

export interface TimelineEntry {
  readonly t: number;
  readonly event: `phase:${CallPhase}` | 'signaling:open' | 'signaling:closed';
  /** For `phase:failed`: the error kind; for `phase:ended`: why. */
  readonly detail?: string;
}

export interface DecisionEntry {
  readonly t: number;
  readonly level: QualityLevel;
  readonly reason: DecisionReason;
  readonly mode: string;
  readonly probing: boolean;
  readonly availableKbps?: number;
  readonly lossPercent?: number;
}

export interface ReconnectEntry {
  readonly t: number;
  /** Seconds until connected again; undefined if it never came back. */
  readonly seconds?: number;
}

export interface ErrorEntry {
  readonly t: number;
  readonly kind: string;
  /** What the user was told. */
  readonly message: string;
  /** The technical cause, for whoever supports them (scrubbed like every string of the file). */
  readonly detail?: string;
}

/** What a CallRecorder keeps about one call; every list is bounded (see limits.ts). */
export interface CallRecording {
  /** Wall clock (ms since 1970) when the call started. */
  readonly startedAt: number;
  readonly role: 'host' | 'guest';
  /** Seconds from start to "Connected"; undefined if the call never connected. */
  readonly connectedAfter: number | undefined;
  /** Seconds from start to the end; undefined while the call goes on. */
  readonly endedAfter: number | undefined;
  readonly participants: number;
  readonly timeline: readonly TimelineEntry[];
  readonly stats: readonly StatsPoint[];
  /** Seconds of stats dropped from the start once `stats` was full. */
  readonly statsDropped: number;
  readonly decisions: readonly DecisionEntry[];
  readonly reconnects: readonly ReconnectEntry[];
  readonly errors: readonly ErrorEntry[];
  readonly ice: IceReport | undefined;
}
