/**
 * The opt-in call summary a client may POST to `/api/reports` (format v1). It holds no ids, names,
 * addresses or free text: every field is a bucket, a small count or a closed set, and unknown keys are
 * refused, so nothing else can ride along. The extension builds it in src/call/history/report.ts.
 */
export const DURATION_BUCKETS = ['<1m', '1-5m', '5-15m', '15-60m', '>60m'] as const;
export type DurationBucket = (typeof DURATION_BUCKETS)[number];
/** Average MOS rounded down to a half point; `null` when no second of media was measured. */
export const MOS_BUCKETS = [1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5] as const;
export type MosBucket = (typeof MOS_BUCKETS)[number];
export const BROWSER_FAMILIES = ['chrome', 'edge', 'firefox', 'safari', 'other'] as const;
export type BrowserFamily = (typeof BROWSER_FAMILIES)[number];

export interface CallReport {
  readonly v: 1;
  readonly durationBucket: DurationBucket;
  /** Everyone in the call, us included (2 for a one-to-one call). */
  readonly participants: number;
  /** Whether the call reached "Connected" (join success). */
  readonly connected: boolean;
  readonly mosBucket: MosBucket | null;
  readonly audioOnlySeconds: number;
  readonly reconnects: number;
  readonly rating: 1 | 2 | 3 | 4 | 5 | null;
  readonly browser: BrowserFamily;
}

export const MAX_PARTICIPANTS = 32;
export const MAX_AUDIO_ONLY_SECONDS = 24 * 3600;
export const MAX_RECONNECTS = 1000;

const KEYS: ReadonlySet<string> = new Set([
  'v',
  'durationBucket',
  'participants',
  'connected',
  'mosBucket',
  'audioOnlySeconds',
  'reconnects',
  'rating',
  'browser',
]);

const isInt = (value: unknown, min: number, max: number): value is number =>
  Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max;

/** Checks a parsed body; returns the report or the first problem, in words for the sender's developer. */
export function parseCallReport(body: unknown): { report: CallReport } | { error: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { error: 'not a JSON object' };
  const raw = body as Record<string, unknown>;
  const extra = Object.keys(raw).find((key) => !KEYS.has(key));
  if (extra !== undefined) return { error: `unknown field ${JSON.stringify(extra.slice(0, 40))}` };
  if (raw.v !== 1) return { error: 'v must be 1' };
  if (!(DURATION_BUCKETS as readonly unknown[]).includes(raw.durationBucket))
    return { error: `durationBucket must be one of ${DURATION_BUCKETS.join(' ')}` };
  if (!isInt(raw.participants, 1, MAX_PARTICIPANTS))
    return { error: `participants must be an integer 1-${MAX_PARTICIPANTS}` };
  if (typeof raw.connected !== 'boolean') return { error: 'connected must be a boolean' };
  if (raw.mosBucket !== null && !(MOS_BUCKETS as readonly unknown[]).includes(raw.mosBucket))
    return { error: `mosBucket must be null or one of ${MOS_BUCKETS.join(' ')}` };
  if (!isInt(raw.audioOnlySeconds, 0, MAX_AUDIO_ONLY_SECONDS))
    return { error: `audioOnlySeconds must be an integer 0-${MAX_AUDIO_ONLY_SECONDS}` };
  if (!isInt(raw.reconnects, 0, MAX_RECONNECTS))
    return { error: `reconnects must be an integer 0-${MAX_RECONNECTS}` };
  if (raw.rating !== null && !isInt(raw.rating, 1, 5)) return { error: 'rating must be null or 1-5' };
  if (!(BROWSER_FAMILIES as readonly unknown[]).includes(raw.browser))
    return { error: `browser must be one of ${BROWSER_FAMILIES.join(' ')}` };
  return { report: raw as unknown as CallReport };
}
