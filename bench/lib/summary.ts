/** min / median / p95 / max of a sample, the way every Diyalog benchmark prints it. */
export interface Summary {
  readonly n: number;
  readonly min: number;
  readonly median: number;
  readonly p95: number;
  readonly max: number;
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { n: 0, min: NaN, median: NaN, p95: NaN, max: NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  return {
    n: sorted.length,
    min: sorted[0]!,
    median: at(0.5),
    p95: at(0.95),
    max: sorted[sorted.length - 1]!,
  };
}

export function formatRow(label: string, s: Summary, unit = 'ms'): string {
  const f = (v: number) => v.toFixed(1).padStart(8);
  return `${label.padEnd(34)} n=${String(s.n).padStart(3)} ${f(s.min)} ${f(s.median)} ${f(s.p95)} ${f(s.max)}  ${unit}`;
}

export const HEADER = `${''.padEnd(34)} ${'n'.padStart(5)} ${'min'.padStart(8)} ${'median'.padStart(8)} ${'p95'.padStart(8)} ${'max'.padStart(8)}`;
