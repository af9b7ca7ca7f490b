import type { HistoryEntry } from '../call/history/entry.js';

export interface ChartGeometry {
  readonly width: number;
  readonly height: number;
  /** SVG path data; empty when the call has no such figure. */
  readonly mosPath: string;
  readonly kbpsPath: string;
  readonly maxKbps: number;
}

/**
 * Polylines for one call's chart: MOS on a fixed 1–5 scale, bitrate scaled to the call's peak. Plain SVG
 * (no chart library): two lines of at most 60 points each.
 */
export function chartGeometry(series: HistoryEntry['series'], width = 300, height = 80): ChartGeometry {
  // The first second often has no bitrate yet (it is a difference of two readings): start where data does.
  const measured = series.filter((p) => p.mos !== undefined || p.kbps !== undefined);
  const last = measured.at(-1)?.t ?? 0;
  const first = measured[0]?.t ?? 0;
  const span = Math.max(1, last - first);
  const x = (t: number) => (((t - first) / span) * width).toFixed(1);
  const maxKbps = Math.max(1, ...series.map((p) => p.kbps ?? 0));
  const line = (points: [number, number][]) =>
    points.map(([t, y], i) => `${i === 0 ? 'M' : 'L'}${x(t)},${y.toFixed(1)}`).join(' ');
  const mosPoints = series.flatMap((p): [number, number][] =>
    p.mos === undefined ? [] : [[p.t, height - ((p.mos - 1) / 4) * height]],
  );
  const kbpsPoints = series.flatMap((p): [number, number][] =>
    p.kbps === undefined ? [] : [[p.t, height - (p.kbps / maxKbps) * height]],
  );
  return { width, height, mosPath: line(mosPoints), kbpsPath: line(kbpsPoints), maxKbps };
}
