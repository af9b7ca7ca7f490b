import type { FeedbackTag, HistoryEntry, Rating } from './entry.js';

/** The history keeps the last 100 calls (~3 KB each with its chart series: ≤ ~300 KB of storage). */
export const MAX_HISTORY = 100;

/** Adds a call, newest first, dropping the oldest past MAX_HISTORY. */
export function addEntry(history: readonly HistoryEntry[], entry: HistoryEntry): HistoryEntry[] {
  return [entry, ...history.filter((e) => e.startedAt !== entry.startedAt)].slice(0, MAX_HISTORY);
}

/** Stores the user's answer with its call. */
export function rateEntry(
  history: readonly HistoryEntry[],
  startedAt: number,
  rating: Rating,
  tags: readonly FeedbackTag[],
): HistoryEntry[] {
  return history.map((e) => (e.startedAt === startedAt ? { ...e, rating, tags: [...tags] } : e));
}

export interface HistoryTotals {
  readonly calls: number;
  /** Calls that reached "Connected" / calls started; undefined without calls. */
  readonly joinSuccessRate: number | undefined;
  readonly averageKbps: number | undefined;
  readonly averageMos: number | undefined;
  readonly degradationIncidents: number;
}

export function totals(history: readonly HistoryEntry[]): HistoryTotals {
  const avg = (values: number[]) =>
    values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length;
  return {
    calls: history.length,
    joinSuccessRate:
      history.length === 0 ? undefined : history.filter((e) => e.connected).length / history.length,
    averageKbps: avg(history.flatMap((e) => (e.averageKbps === undefined ? [] : [e.averageKbps]))),
    averageMos: avg(history.flatMap((e) => (e.averageMos === undefined ? [] : [e.averageMos]))),
    degradationIncidents: history.reduce((sum, e) => sum + e.degradations, 0),
  };
}

/** Reads stored history defensively: anything not shaped like an entry is dropped, at most MAX_HISTORY kept. */
export function parseHistory(value: unknown): HistoryEntry[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter(
      (e): e is HistoryEntry =>
        typeof e === 'object' &&
        e !== null &&
        typeof (e as HistoryEntry).startedAt === 'number' &&
        typeof (e as HistoryEntry).durationSeconds === 'number' &&
        Array.isArray((e as HistoryEntry).series),
    )
    .slice(0, MAX_HISTORY);
}
