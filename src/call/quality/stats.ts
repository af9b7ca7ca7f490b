/**
 * Turns two consecutive `getStats()` reports into one `QualitySample`. Reports are read as plain objects
 * (Chromium's field names), so Node tests can feed recorded ones. Rates come from counter deltas over the
 * stats' own timestamps; a missing previous report, a missing field or a counter that went backwards (a reset)
 * gives `undefined` for that figure, never NaN or a negative rate.
 */

/** An `RTCStatsReport`, a `Map` of id → stat, or any iterable of stat objects (or of `[id, stat]` pairs). */
export type StatsInput = { values(): Iterable<unknown> } | Iterable<unknown>;

/** One stat object as `getStats` gives it: `id`, `type`, `timestamp` and type-specific fields. */
export type StatRecord = Readonly<Record<string, unknown>> & { readonly id: string; readonly type: string };

/** A report parsed once: stats by id. Keep it to diff against the next report. */
export interface StatsSnapshot {
  readonly byId: ReadonlyMap<string, StatRecord>;
  /** The newest stat timestamp in the report (ms), or undefined for an empty report. */
  readonly timestamp: number | undefined;
}

export type QualityLimitationReason = 'none' | 'cpu' | 'bandwidth' | 'other';

export interface Resolution {
  readonly width: number;
  readonly height: number;
}

export interface AudioFlowStats {
  /** RTP payload bitrate (bytesSent/bytesReceived deltas). */
  readonly bitrateKbps: number | undefined;
  /**
   * Inbound: packetsLost / (packetsLost + packetsReceived) over the interval.
   * Outbound: the other side's latest `fractionLost` (remote-inbound-rtp), only while it is fresh.
   */
  readonly packetLossPercent: number | undefined;
  /** Inbound: our jitter; outbound: the jitter the other side reports for our stream. */
  readonly jitterMs: number | undefined;
}

export interface VideoFlowStats extends AudioFlowStats {
  readonly framesPerSecond: number | undefined;
  /** Undefined when no frames flowed in the interval (e.g. the video track was replaced by null). */
  readonly resolution: Resolution | undefined;
}

export interface OutboundVideoStats extends VideoFlowStats {
  /** Lags the network by 7.5–8 s (FIELD-NOTES): for display and slow decisions only. */
  readonly qualityLimitationReason: QualityLimitationReason | undefined;
  readonly targetBitrateKbps: number | undefined;
}

export interface InboundVideoStats extends VideoFlowStats {
  /** Freezes that began since the previous report (freezeCount delta). */
  readonly freezes: number | undefined;
}

export interface DirectionStats<Video> {
  /** Audio + video RTP payload bitrate. */
  readonly bitrateKbps: number | undefined;
  /** The worse of audio and video (a stream that carried nothing in the interval does not count). */
  readonly packetLossPercent: number | undefined;
  readonly audio: AudioFlowStats;
  readonly video: Video;
}

export interface QualitySample {
  /** The report's clock (ms). */
  readonly timestamp: number | undefined;
  /** Time since the previous report, or undefined for the first. */
  readonly intervalMs: number | undefined;
  /** The selected candidate pair's currentRoundTripTime, else remote-inbound-rtp roundTripTime. */
  readonly rttMs: number | undefined;
  /** The bandwidth estimate for what we send (Chromium; Firefox has none). */
  readonly availableOutgoingKbps: number | undefined;
  readonly availableIncomingKbps: number | undefined;
  /** Everything through the selected candidate pair (media, headers, RTCP, data channel): compare this one
   *  with `availableOutgoingKbps`. */
  readonly sendKbps: number | undefined;
  readonly receiveKbps: number | undefined;
  /** What we send. */
  readonly outbound: DirectionStats<OutboundVideoStats>;
  /** What we receive. */
  readonly inbound: DirectionStats<InboundVideoStats>;
}

export function readStats(input: StatsInput): StatsSnapshot {
  const byId = new Map<string, StatRecord>();
  let timestamp: number | undefined;
  const items = hasValues(input) ? input.values() : input;
  for (const item of items) {
    const stat = asStat(Array.isArray(item) && item.length === 2 ? item[1] : item);
    if (!stat) continue;
    byId.set(stat.id, stat);
    const t = num(stat, 'timestamp');
    if (t !== undefined && (timestamp === undefined || t > timestamp)) timestamp = t;
  }
  return { byId, timestamp };
}

/** The bytes of every inbound RTP stream in a stats report (audio and video). */
export function inboundMediaBytes(input: StatsInput): number {
  let total = 0;
  for (const stat of readStats(input).byId.values()) {
    if (stat.type !== 'inbound-rtp') continue;
    const bytes = stat['bytesReceived'];
    if (typeof bytes === 'number' && Number.isFinite(bytes)) total += bytes;
  }
  return total;
}

/** The sample for the interval between two snapshots; `previous` undefined gives the first, rate-less one. */
export function deriveSample(previous: StatsSnapshot | undefined, current: StatsSnapshot): QualitySample {
  const d = new Diff(previous, current);
  const pair = selectedPair(current);
  return {
    timestamp: current.timestamp,
    intervalMs:
      previous?.timestamp !== undefined &&
      current.timestamp !== undefined &&
      current.timestamp > previous.timestamp
        ? current.timestamp - previous.timestamp
        : undefined,
    rttMs:
      sec(pair, 'currentRoundTripTime') ??
      remoteRtt(d.ofType('remote-inbound-rtp')) ??
      remoteRtt(d.ofType('remote-outbound-rtp')),
    availableOutgoingKbps: kbpsOf(pair, 'availableOutgoingBitrate'),
    availableIncomingKbps: kbpsOf(pair, 'availableIncomingBitrate'),
    sendKbps: pair ? d.bitrate([pair], 'bytesSent') : undefined,
    receiveKbps: pair ? d.bitrate([pair], 'bytesReceived') : undefined,
    outbound: outbound(d),
    inbound: inbound(d),
  };
}

/** Both steps at once, for a caller holding two raw reports. */
export function qualitySample(previous: StatsInput | undefined, current: StatsInput): QualitySample {
  return deriveSample(previous === undefined ? undefined : readStats(previous), readStats(current));
}

function outbound(d: Diff): DirectionStats<OutboundVideoStats> {
  const remote = d.ofType('remote-inbound-rtp');
  const flow = (kind: MediaKind) => {
    const local = d.rtp('outbound-rtp', kind);
    const reports = remote.filter((s) => kindOf(s) === kind && d.isFresh(s));
    const bitrateKbps = d.bitrate(local, 'bytesSent');
    return {
      local,
      bitrateKbps,
      packetLossPercent: maxOf(reports.map((s) => pct(num(s, 'fractionLost')))),
      jitterMs: maxOf(remote.filter((s) => kindOf(s) === kind).map((s) => sec(s, 'jitter'))),
    };
  };
  const audio = flow('audio');
  const video = flow('video');
  const top = largest(video.local);
  const framesPerSecond = d.rate(video.local, 'framesSent') ?? num(top, 'framesPerSecond');
  const videoStats: OutboundVideoStats = {
    bitrateKbps: video.bitrateKbps,
    packetLossPercent: video.packetLossPercent,
    jitterMs: video.jitterMs,
    framesPerSecond,
    resolution: framesPerSecond === 0 ? undefined : resolutionOf(top),
    qualityLimitationReason: limitationOf(top),
    targetBitrateKbps: sumOf(video.local.map((s) => kbpsOf(s, 'targetBitrate'))),
  };
  const audioStats: AudioFlowStats = {
    bitrateKbps: audio.bitrateKbps,
    packetLossPercent: audio.packetLossPercent,
    jitterMs: audio.jitterMs,
  };
  return direction(audioStats, videoStats);
}

function inbound(d: Diff): DirectionStats<InboundVideoStats> {
  const flow = (kind: MediaKind) => {
    const streams = d.rtp('inbound-rtp', kind);
    const lost = d.delta(streams, 'packetsLost', { allowDecrease: true });
    const received = d.delta(streams, 'packetsReceived');
    const total = lost !== undefined && received !== undefined ? lost + received : 0;
    return {
      streams,
      bitrateKbps: d.bitrate(streams, 'bytesReceived'),
      packetLossPercent: total > 0 ? (100 * (lost ?? 0)) / total : undefined,
      jitterMs: maxOf(streams.map((s) => sec(s, 'jitter'))),
    };
  };
  const audio = flow('audio');
  const video = flow('video');
  const top = largest(video.streams);
  const framesPerSecond = d.rate(video.streams, 'framesDecoded') ?? num(top, 'framesPerSecond');
  const videoStats: InboundVideoStats = {
    bitrateKbps: video.bitrateKbps,
    packetLossPercent: video.packetLossPercent,
    jitterMs: video.jitterMs,
    framesPerSecond,
    resolution: framesPerSecond === 0 ? undefined : resolutionOf(top),
    freezes: d.delta(video.streams, 'freezeCount'),
  };
  const audioStats: AudioFlowStats = {
    bitrateKbps: audio.bitrateKbps,
    packetLossPercent: audio.packetLossPercent,
    jitterMs: audio.jitterMs,
  };
  return direction(audioStats, videoStats);
}

function direction<V extends VideoFlowStats>(audio: AudioFlowStats, video: V): DirectionStats<V> {
  // A stream that carried nothing this interval reports stale loss (e.g. video while audio-only).
  const flowing = [audio, video].filter((f) => f.bitrateKbps !== 0);
  return {
    bitrateKbps: sumOf([audio.bitrateKbps, video.bitrateKbps]),
    packetLossPercent: maxOf(flowing.map((f) => f.packetLossPercent)),
    audio,
    video,
  };
}

type MediaKind = 'audio' | 'video';

/** Pairs each current stat with its previous self (same id) to compute counter deltas. */
class Diff {
  constructor(
    readonly previous: StatsSnapshot | undefined,
    readonly current: StatsSnapshot,
  ) {}

  ofType(type: string): StatRecord[] {
    return [...this.current.byId.values()].filter((s) => s.type === type);
  }

  rtp(type: 'inbound-rtp' | 'outbound-rtp', kind: MediaKind): StatRecord[] {
    return this.ofType(type).filter((s) => kindOf(s) === kind);
  }

  /** Sum of a counter's increase over the streams that have a usable previous value. */
  delta(
    stats: readonly StatRecord[],
    field: string,
    options: { allowDecrease?: boolean } = {},
  ): number | undefined {
    let total: number | undefined;
    for (const stat of stats) {
      const before = num(this.previous?.byId.get(stat.id), field);
      const now = num(stat, field);
      if (before === undefined || now === undefined) continue;
      // A counter going backwards is a reset, except packetsLost, which duplicates legitimately lower.
      if (now < before && !options.allowDecrease) continue;
      total = (total ?? 0) + Math.max(0, now - before);
    }
    return total;
  }

  /** Sum over streams of counter increase per second, each over its own timestamps. */
  rate(stats: readonly StatRecord[], field: string): number | undefined {
    let total: number | undefined;
    for (const stat of stats) {
      const prev = this.previous?.byId.get(stat.id);
      const before = num(prev, field);
      const now = num(stat, field);
      const t0 = num(prev, 'timestamp');
      const t1 = num(stat, 'timestamp');
      if (before === undefined || now === undefined || t0 === undefined || t1 === undefined) continue;
      if (t1 <= t0 || now < before) continue;
      total = (total ?? 0) + ((now - before) * 1000) / (t1 - t0);
    }
    return total;
  }

  /** Bytes counter → kbps (bytes × 8 / ms = kbit/s). */
  bitrate(stats: readonly StatRecord[], field: string): number | undefined {
    const bytesPerSecond = this.rate(stats, field);
    return bytesPerSecond === undefined ? undefined : (bytesPerSecond * 8) / 1000;
  }

  /** Whether a remote-inbound-rtp report is new since the previous snapshot (else its fractionLost is stale). */
  isFresh(stat: StatRecord): boolean {
    const prev = this.previous?.byId.get(stat.id);
    if (!prev) return true;
    const measurementsBefore = num(prev, 'roundTripTimeMeasurements');
    const measurementsNow = num(stat, 'roundTripTimeMeasurements');
    if (measurementsBefore !== undefined && measurementsNow !== undefined)
      return measurementsNow !== measurementsBefore;
    const before = num(prev, 'timestamp');
    const now = num(stat, 'timestamp');
    return before === undefined || now === undefined || now > before;
  }
}

/**
 * The transport's selected pair, else the nominated succeeded pair that carried the most. The side that does
 * not nominate uses a pair before the other side's nomination reaches it: only the transport names it then.
 */
export function selectedPair(snapshot: StatsSnapshot): StatRecord | undefined {
  const stats = [...snapshot.byId.values()];
  for (const transport of stats.filter((s) => s.type === 'transport')) {
    const id = transport['selectedCandidatePairId'];
    const pair = typeof id === 'string' ? snapshot.byId.get(id) : undefined;
    if (pair) return pair;
  }
  const candidates = stats.filter(
    (s) => s.type === 'candidate-pair' && s['nominated'] === true && s['state'] === 'succeeded',
  );
  return candidates.sort((a, b) => (num(b, 'bytesSent') ?? 0) - (num(a, 'bytesSent') ?? 0))[0];
}

function remoteRtt(stats: readonly StatRecord[]): number | undefined {
  const audio = stats.find((s) => kindOf(s) === 'audio' && sec(s, 'roundTripTime') !== undefined);
  const any = audio ?? stats.find((s) => sec(s, 'roundTripTime') !== undefined);
  return sec(any, 'roundTripTime');
}

/** The stream with the most pixels (the top simulcast layer, when there are several). */
function largest(stats: readonly StatRecord[]): StatRecord | undefined {
  const pixels = (s: StatRecord) => (num(s, 'frameWidth') ?? 0) * (num(s, 'frameHeight') ?? 0);
  return [...stats].sort((a, b) => pixels(b) - pixels(a))[0];
}

function resolutionOf(stat: StatRecord | undefined): Resolution | undefined {
  const width = num(stat, 'frameWidth');
  const height = num(stat, 'frameHeight');
  return width !== undefined && height !== undefined && width > 0 && height > 0
    ? { width, height }
    : undefined;
}

function limitationOf(stat: StatRecord | undefined): QualityLimitationReason | undefined {
  const reason = stat?.['qualityLimitationReason'];
  return reason === 'none' || reason === 'cpu' || reason === 'bandwidth' || reason === 'other'
    ? reason
    : undefined;
}

function kindOf(stat: StatRecord): string | undefined {
  const kind = stat['kind'] ?? stat['mediaType'];
  return typeof kind === 'string' ? kind : undefined;
}

function num(stat: Readonly<Record<string, unknown>> | undefined, field: string): number | undefined {
  const value = stat?.[field];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** A field in seconds, as ms. */
function sec(stat: StatRecord | undefined, field: string): number | undefined {
  const value = num(stat, field);
  return value === undefined ? undefined : value * 1000;
}

/** A field in bits per second, as kbps. */
function kbpsOf(stat: StatRecord | undefined, field: string): number | undefined {
  const value = num(stat, field);
  return value === undefined ? undefined : value / 1000;
}

function pct(fraction: number | undefined): number | undefined {
  return fraction === undefined ? undefined : fraction * 100;
}

function maxOf(values: readonly (number | undefined)[]): number | undefined {
  const defined = values.filter((v): v is number => v !== undefined);
  return defined.length === 0 ? undefined : Math.max(...defined);
}

function sumOf(values: readonly (number | undefined)[]): number | undefined {
  const defined = values.filter((v): v is number => v !== undefined);
  return defined.length === 0 ? undefined : defined.reduce((a, b) => a + b, 0);
}

function hasValues(input: StatsInput): input is { values(): Iterable<unknown> } {
  return typeof (input as { values?: unknown }).values === 'function';
}

function asStat(value: unknown): StatRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  return typeof record['id'] === 'string' && typeof record['type'] === 'string'
    ? (record as StatRecord)
    : undefined;
}
