import type { CallRecording } from '../diagnostics/recording.js';

export const FEEDBACK_TAGS = ['video froze', "couldn't hear", 'echo', "couldn't connect"] as const;
export type FeedbackTag = (typeof FEEDBACK_TAGS)[number];
export type Rating = 1 | 2 | 3 | 4 | 5;

/** One call in the history: figures only, no ids, names or addresses. */
export interface HistoryEntry {
  /** Wall clock (ms) at the start; also the entry's key. */
  readonly startedAt: number;
  readonly durationSeconds: number;
  readonly participants: number;
  /** Reached "Connected" (join success). */
  readonly connected: boolean;
  /** The error kind when the call failed. */
  readonly failure?: string;
  readonly averageMos?: number;
  /** Average of upload + download, kbps. */
  readonly averageKbps?: number;
  readonly audioOnlySeconds: number;
  readonly reconnects: number;
  /** Quality steps down made by the policy (bandwidth or loss), plus reconnects. */
  readonly degradations: number;
  /** MOS and bitrate over the call, at most SERIES_POINTS points, for the chart. */
  readonly series: readonly { readonly t: number; readonly mos?: number; readonly kbps?: number }[];
  readonly rating?: Rating;
  readonly tags?: readonly FeedbackTag[];
}

export const SERIES_POINTS = 60;

const average = (values: number[]) =>
  values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length;
const round = (value: number | undefined, digits: number) =>
  value === undefined ? undefined : Number(value.toFixed(digits));

/** Reduces a finished (or running) recording to its history entry. */
export function summarizeCall(recording: CallRecording): HistoryEntry {
  const { stats } = recording;
  const mos = stats.flatMap((p) => (p.mos === undefined ? [] : [p.mos]));
  const kbps = stats.flatMap((p) =>
    p.upKbps === undefined && p.downKbps === undefined ? [] : [(p.upKbps ?? 0) + (p.downKbps ?? 0)],
  );
  const lastT = recording.endedAfter ?? stats.at(-1)?.t ?? recording.timeline.at(-1)?.t ?? 0;
  const connectedFor = recording.connectedAfter === undefined ? 0 : lastT - recording.connectedAfter;
  // Each point stands for the second before it.
  const audioOnlySeconds = stats.filter((p) => p.level === 'audio-only').length;
  const failure = recording.errors.find((e) => e.kind !== 'stats')?.kind;
  const bucket = Math.max(1, Math.ceil(stats.length / SERIES_POINTS));
  const series = [];
  for (let i = 0; i < stats.length; i += bucket) {
    const slice = stats.slice(i, i + bucket);
    const m = average(slice.flatMap((p) => (p.mos === undefined ? [] : [p.mos])));
    const k = average(
      slice.flatMap((p) =>
        p.upKbps === undefined && p.downKbps === undefined ? [] : [(p.upKbps ?? 0) + (p.downKbps ?? 0)],
      ),
    );
    series.push({
      t: slice[0]!.t,
      ...(m === undefined ? {} : { mos: round(m, 2)! }),
      ...(k === undefined ? {} : { kbps: Math.round(k) }),
    });
  }
  const averageMos = round(average(mos), 2);
  const averageKbps = round(average(kbps), 0);
  return {
    startedAt: recording.startedAt,
    durationSeconds: Math.round(Math.max(lastT, connectedFor)),
    participants: recording.participants,
    connected: recording.connectedAfter !== undefined,
    ...(failure === undefined ? {} : { failure }),
    ...(averageMos === undefined ? {} : { averageMos }),
    ...(averageKbps === undefined ? {} : { averageKbps }),
    audioOnlySeconds,
    reconnects: recording.reconnects.length,
    degradations:
      recording.decisions.filter((d) => d.reason === 'bandwidth' || d.reason === 'loss').length +
      recording.reconnects.length,
    series,
  };
}

/** A call that had trouble: the feedback question is always asked after one. */
export function hadTrouble(entry: HistoryEntry): boolean {
  return (
    !entry.connected ||
    entry.reconnects > 0 ||
    entry.audioOnlySeconds > 0 ||
    entry.degradations > 0 ||
    (entry.averageMos !== undefined && entry.averageMos < 3.5)
  );
}

export const FEEDBACK_INTERVAL_MS = 24 * 3600 * 1000;

/** "How was this call?": at most once a day, and always after a call that had trouble. */
export function shouldAskFeedback(
  entry: HistoryEntry,
  lastAskedAt: number | undefined,
  now: number,
): boolean {
  if (hadTrouble(entry)) return true;
  return lastAskedAt === undefined || now - lastAskedAt >= FEEDBACK_INTERVAL_MS;
}
