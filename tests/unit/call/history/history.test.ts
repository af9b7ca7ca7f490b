import { describe, expect, it } from 'vitest';
import { parseCallReport } from '../../../../peer-server/src/reports/schema.js';
import type { CallRecording } from '../../../../src/call/diagnostics/recording.js';
import {
  FEEDBACK_INTERVAL_MS,
  SERIES_POINTS,
  shouldAskFeedback,
  summarizeCall,
  type HistoryEntry,
} from '../../../../src/call/history/entry.js';
import {
  addEntry,
  MAX_HISTORY,
  parseHistory,
  rateEntry,
  totals,
} from '../../../../src/call/history/history.js';
import { toReport } from '../../../../src/call/history/report.js';

function recording(seconds: number, patch: Partial<CallRecording> = {}): CallRecording {
  return {
    startedAt: Date.UTC(2026, 11, 6, 3),
    role: 'host',
    connectedAfter: 1.2,
    endedAfter: seconds + 1.2,
    participants: 2,
    timeline: [],
    stats: Array.from({ length: seconds }, (_, i) => ({
      t: 2.2 + i,
      mos: i < seconds / 2 ? 4.4 : 3.0,
      upKbps: 1000,
      downKbps: 500,
      level: i >= seconds - 10 ? ('audio-only' as const) : ('high' as const),
    })),
    statsDropped: 0,
    decisions: [
      { t: 1.2, level: 'high', reason: 'start', mode: 'auto', probing: false },
      { t: seconds - 8, level: 'audio-only', reason: 'loss', mode: 'auto', probing: false },
    ],
    reconnects: [{ t: 30, seconds: 2 }],
    errors: [],
    ice: undefined,
    ...patch,
  };
}

describe('summarizeCall', () => {
  it('gives duration, average MOS and bitrate, audio-only time, reconnects, degradations and a chart series', () => {
    const entry = summarizeCall(recording(600));
    expect(entry).toMatchObject({
      durationSeconds: 601,
      participants: 2,
      connected: true,
      averageMos: 3.7,
      averageKbps: 1500,
      audioOnlySeconds: 10,
      reconnects: 1,
      degradations: 2,
    });
    expect(entry.series).toHaveLength(SERIES_POINTS);
    expect(entry.series[0]).toEqual({ t: 2.2, mos: 4.4, kbps: 1500 });
    expect(JSON.stringify(entry).length).toBeLessThan(3500);
  });

  it('marks a call that never connected, with its failure', () => {
    const entry = summarizeCall(
      recording(0, {
        connectedAfter: undefined,
        endedAfter: 20,
        reconnects: [],
        decisions: [],
        errors: [{ t: 20, kind: 'connection-failed', message: 'x' }],
      }),
    );
    expect(entry).toMatchObject({
      connected: false,
      failure: 'connection-failed',
      durationSeconds: 20,
      series: [],
    });
    expect(entry.averageMos).toBeUndefined();
  });
});

describe('history', () => {
  const entry = (startedAt: number, patch: Partial<HistoryEntry> = {}): HistoryEntry => ({
    ...summarizeCall(recording(60, { reconnects: [], decisions: [] })),
    startedAt,
    audioOnlySeconds: 0,
    ...patch,
  });

  it('keeps the last 100 calls, newest first, and stores a rating with its call', () => {
    let history: HistoryEntry[] = [];
    for (let i = 0; i < MAX_HISTORY + 20; i++) history = addEntry(history, entry(i));
    expect(history).toHaveLength(MAX_HISTORY);
    expect(history[0]!.startedAt).toBe(MAX_HISTORY + 19);
    expect(history.at(-1)!.startedAt).toBe(20);
    history = rateEntry(history, 50, 2, ['echo']);
    expect(history.find((e) => e.startedAt === 50)).toMatchObject({ rating: 2, tags: ['echo'] });
    // Whatever storage holds is read back defensively and bounded.
    expect(parseHistory([...history, ...history, { junk: true }, null])).toHaveLength(MAX_HISTORY);
    expect(parseHistory('nope')).toEqual([]);
  });

  it('totals join success rate, average bitrate and degradation incidents', () => {
    const t = totals([
      entry(1, { averageKbps: 1000, degradations: 2 }),
      entry(2, { averageKbps: 2000, degradations: 1 }),
      entry(3, { connected: false, averageKbps: undefined as never, degradations: 0 }),
      entry(4, { averageKbps: 3000, degradations: 0 }),
    ]);
    expect(t).toMatchObject({ calls: 4, joinSuccessRate: 0.75, averageKbps: 2000, degradationIncidents: 3 });
    expect(totals([]).joinSuccessRate).toBeUndefined();
  });
});

describe('shouldAskFeedback', () => {
  const now = Date.UTC(2026, 11, 6, 12);
  const smooth = summarizeCall(recording(60, { reconnects: [], decisions: [], stats: [] }));
  it('asks at most once a day after a smooth call', () => {
    expect(shouldAskFeedback(smooth, undefined, now)).toBe(true);
    expect(shouldAskFeedback(smooth, now - 3600_000, now)).toBe(false);
    expect(shouldAskFeedback(smooth, now - FEEDBACK_INTERVAL_MS + 1, now)).toBe(false);
    expect(shouldAskFeedback(smooth, now - FEEDBACK_INTERVAL_MS, now)).toBe(true);
  });
  it('always asks after a call with trouble', () => {
    const asked = now - 60_000;
    expect(shouldAskFeedback({ ...smooth, reconnects: 1 }, asked, now)).toBe(true);
    expect(shouldAskFeedback({ ...smooth, connected: false }, asked, now)).toBe(true);
    expect(shouldAskFeedback({ ...smooth, audioOnlySeconds: 4 }, asked, now)).toBe(true);
    expect(shouldAskFeedback({ ...smooth, averageMos: 3.1 }, asked, now)).toBe(true);
  });
});

describe('toReport', () => {
  it('makes a summary the server accepts, with buckets only', () => {
    const entry = { ...summarizeCall(recording(600)), rating: 4 as const };
    const report = toReport(entry, 'chrome');
    expect(report).toEqual({
      v: 1,
      durationBucket: '5-15m',
      participants: 2,
      connected: true,
      mosBucket: 3.5,
      audioOnlySeconds: 10,
      reconnects: 1,
      rating: 4,
      browser: 'chrome',
    });
    expect(parseCallReport(report)).toEqual({ report });
    const failed = toReport(
      summarizeCall(recording(0, { connectedAfter: undefined, endedAfter: 5 })),
      'firefox',
    );
    expect(parseCallReport(failed)).toEqual({ report: failed });
  });
});
