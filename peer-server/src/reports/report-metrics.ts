import { BROWSER_FAMILIES, DURATION_BUCKETS, MOS_BUCKETS, type CallReport } from './schema.js';

/** Why a POST /api/reports was answered the way it was. */
export type ReportOutcome = 'accepted' | 'invalid' | 'too-large' | 'rate-limited' | 'busy';

/** A count that grows by any non-negative amount (seconds, reconnects). */
export class SumCounter {
  #value = 0;
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  add(amount: number): void {
    this.#value += amount;
  }
  get(): number {
    return this.#value;
  }
  render(): string {
    return `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} counter\n${this.name} ${this.#value}\n`;
  }
}

/** A Prometheus histogram with fixed upper bounds (cumulative buckets, `_sum` and `_count`). */
export class Histogram {
  readonly #counts: number[];
  #sum = 0;
  #count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly bounds: readonly number[],
  ) {
    this.#counts = bounds.map(() => 0);
  }
  observe(value: number): void {
    this.bounds.forEach((bound, i) => {
      if (value <= bound) this.#counts[i]! += 1;
    });
    this.#sum += value;
    this.#count += 1;
  }
  render(): string {
    const lines = this.bounds.map((bound, i) => `${this.name}_bucket{le="${bound}"} ${this.#counts[i]!}\n`);
    return (
      `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} histogram\n${lines.join('')}` +
      `${this.name}_bucket{le="+Inf"} ${this.#count}\n${this.name}_sum ${this.#sum}\n${this.name}_count ${this.#count}\n`
    );
  }
}

/** Counts by one label, every known value rendered from 0 (a dashboard needs the series before the first report). */
export class KnownLabelCounter<L extends string> {
  readonly #values = new Map<L, number>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelName: string,
    values: readonly L[],
  ) {
    for (const value of values) this.#values.set(value, 0);
  }
  inc(label: L): void {
    this.#values.set(label, (this.#values.get(label) ?? 0) + 1);
  }
  get(label: L): number {
    return this.#values.get(label) ?? 0;
  }
  render(): string {
    const lines = [...this.#values].map(
      ([label, value]) => `${this.name}{${this.labelName}="${label}"} ${value}\n`,
    );
    return `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} counter\n${lines.join('')}`;
  }
}

type Rating = '1' | '2' | '3' | '4' | '5' | 'none';

/** What opted-in clients report, aggregated; rendered by GET /metrics next to the server's own counts. */
export function createReportMetrics() {
  return {
    reportsReceived: new KnownLabelCounter<ReportOutcome>(
      'diyalog_reports_received_total',
      'POST /api/reports requests, by outcome.',
      'outcome',
      ['accepted', 'invalid', 'too-large', 'rate-limited', 'busy'],
    ),
    reportedCalls: new KnownLabelCounter<'yes' | 'no'>(
      'diyalog_reported_calls_total',
      'Reported calls, by whether they reached Connected (join success = yes / all).',
      'connected',
      ['yes', 'no'],
    ),
    reportedMos: new Histogram(
      'diyalog_reported_call_mos',
      'Average MOS of reported calls (rounded down to half a point by the client).',
      MOS_BUCKETS.slice(1),
    ),
    reportedDurations: new KnownLabelCounter(
      'diyalog_reported_call_duration_total',
      'Reported calls, by duration bucket.',
      'bucket',
      DURATION_BUCKETS,
    ),
    reportedParticipants: new Histogram(
      'diyalog_reported_call_participants',
      'Participants in reported calls.',
      [2, 3, 4, 6, 8, 16, 32],
    ),
    reportedDegradedCalls: new SumCounter(
      'diyalog_reported_degraded_calls_total',
      'Reported calls that went audio-only or reconnected at least once.',
    ),
    reportedAudioOnlySeconds: new SumCounter(
      'diyalog_reported_audio_only_seconds_total',
      'Seconds reported calls spent audio-only.',
    ),
    reportedReconnects: new SumCounter('diyalog_reported_reconnects_total', 'Reconnects in reported calls.'),
    reportedRatings: new KnownLabelCounter<Rating>(
      'diyalog_reported_ratings_total',
      "Reported calls, by the user's rating (none: not rated).",
      'rating',
      ['1', '2', '3', '4', '5', 'none'],
    ),
    reportedBrowsers: new KnownLabelCounter(
      'diyalog_reported_browsers_total',
      'Reported calls, by browser family.',
      'browser',
      BROWSER_FAMILIES,
    ),
  };
}

export type ReportMetrics = ReturnType<typeof createReportMetrics>;

export function recordReport(metrics: ReportMetrics, report: CallReport): void {
  metrics.reportedCalls.inc(report.connected ? 'yes' : 'no');
  if (report.mosBucket !== null) metrics.reportedMos.observe(report.mosBucket);
  metrics.reportedDurations.inc(report.durationBucket);
  metrics.reportedParticipants.observe(report.participants);
  if (report.audioOnlySeconds > 0 || report.reconnects > 0) metrics.reportedDegradedCalls.add(1);
  metrics.reportedAudioOnlySeconds.add(report.audioOnlySeconds);
  metrics.reportedReconnects.add(report.reconnects);
  metrics.reportedRatings.inc(report.rating === null ? 'none' : (String(report.rating) as Rating));
  metrics.reportedBrowsers.inc(report.browser);
}
