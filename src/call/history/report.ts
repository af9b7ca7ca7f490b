import type { BrowserFamily } from '../diagnostics/environment.js';
import type { HistoryEntry } from './entry.js';

/**
 * The opt-in summary sent to the server's POST /api/reports (v1; the server's schema is
 * peer-server/src/reports/schema.ts): buckets and counts only, no ids, names or addresses.
 */
export interface CallReport {
  readonly v: 1;
  readonly durationBucket: '<1m' | '1-5m' | '5-15m' | '15-60m' | '>60m';
  readonly participants: number;
  readonly connected: boolean;
  readonly mosBucket: number | null;
  readonly audioOnlySeconds: number;
  readonly reconnects: number;
  readonly rating: number | null;
  readonly browser: BrowserFamily;
}

export function toReport(entry: HistoryEntry, browser: BrowserFamily): CallReport {
  const s = entry.durationSeconds;
  const durationBucket = s < 60 ? '<1m' : s < 300 ? '1-5m' : s < 900 ? '5-15m' : s < 3600 ? '15-60m' : '>60m';
  const mos = entry.averageMos;
  return {
    v: 1,
    durationBucket,
    participants: Math.min(32, Math.max(1, entry.participants)),
    connected: entry.connected,
    mosBucket: mos === undefined ? null : Math.min(4.5, Math.max(1, Math.floor(mos * 2) / 2)),
    audioOnlySeconds: Math.min(86_400, Math.round(entry.audioOnlySeconds)),
    reconnects: Math.min(1000, entry.reconnects),
    rating: entry.rating ?? null,
    browser,
  };
}
