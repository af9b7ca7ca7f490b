import { createReportMetrics } from './reports/report-metrics.js';
import type { ConnectionRejection, FrameRejection } from './signal/rejections.js';

/** A monotonically increasing count. */
export class Counter {
  #value = 0;

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(): void {
    this.#value += 1;
  }

  get(): number {
    return this.#value;
  }

  render(): string {
    return `${header(this.name, this.help, 'counter')}${this.name} ${this.#value}\n`;
  }
}

/** Counts split by one label whose values come from our own code (never from clients). */
export class LabeledCounter<Label extends string> {
  readonly #values = new Map<Label, number>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelName: string,
  ) {}

  inc(label: Label): void {
    this.#values.set(label, (this.#values.get(label) ?? 0) + 1);
  }

  get(label: Label): number {
    return this.#values.get(label) ?? 0;
  }

  render(): string {
    const lines = [...this.#values].map(
      ([label, value]) => `${this.name}{${this.labelName}="${label}"} ${value}\n`,
    );
    return header(this.name, this.help, 'counter') + lines.join('');
  }
}

function header(name: string, help: string, type: 'counter' | 'gauge'): string {
  return `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`;
}

/** Every count the server keeps; gauges are read from live state when rendered. */
export function createMetrics() {
  return {
    messagesRelayed: new Counter(
      'diyalog_messages_relayed_total',
      'Messages delivered from one peer to another.',
    ),
    framesRejected: new LabeledCounter<FrameRejection>(
      'diyalog_frames_rejected_total',
      'Client frames refused, by reason (the sender got an ERROR or was disconnected).',
      'reason',
    ),
    messagesRateLimited: new Counter(
      'diyalog_messages_rate_limited_total',
      'Client messages dropped because their connection exceeded its rate limit.',
    ),
    connectionsRejected: new LabeledCounter<ConnectionRejection>(
      'diyalog_connections_rejected_total',
      'WebSocket connections refused, by reason.',
      'reason',
    ),
    turnCredentialsIssued: new Counter(
      'diyalog_turn_credentials_issued_total',
      'TURN credentials handed to registered peers.',
    ),
    busFramesReceived: new Counter(
      'diyalog_bus_frames_received_total',
      'Frames for peers of this instance that other instances relayed through Redis (with REDIS_URL).',
    ),
    busMessagesRejected: new Counter(
      'diyalog_bus_messages_rejected_total',
      'Messages on our Redis channels that were not ours and were dropped.',
    ),
    membersReaped: new Counter(
      'diyalog_room_members_reaped_total',
      'Room members of dead instances that this instance removed from their rooms.',
    ),
    /** What opted-in clients report about their calls (POST /api/reports). */
    reports: createReportMetrics(),
    turnCredentialsRefused: new Counter(
      'diyalog_turn_credentials_refused_total',
      'TURN credentials refused: not a room member, or over the per-address quota.',
    ),
    stuckReadersClosed: new Counter(
      'diyalog_stuck_readers_closed_total',
      'Sockets closed because they stopped reading while data waited for them.',
    ),
  };
}

export type ServerMetrics = ReturnType<typeof createMetrics>;

export interface Gauges {
  readonly peers: number;
  readonly rooms: number;
  /** With REDIS_URL: 1 while Redis is reachable. */
  readonly redisUp?: number;
}

/**
 * The Prometheus text exposition format (version 0.0.4). With `instance` (several instances on one Redis)
 * every sample carries `instance="…"`, so that one dashboard can sum them or tell them apart.
 */
export function renderMetrics(metrics: ServerMetrics, gauges: Gauges, instance?: string): string {
  const gauge = (name: string, help: string, value: number) =>
    `${header(name, help, 'gauge')}${name} ${value}\n`;
  const text = [
    gauge('diyalog_peers_connected', 'Peers registered on this instance.', gauges.peers),
    gauge('diyalog_rooms_active', 'Rooms with at least one member connected to this instance.', gauges.rooms),
    gauges.redisUp === undefined
      ? ''
      : gauge('diyalog_redis_up', 'Whether this instance reaches Redis (0: degraded).', gauges.redisUp),
    ...Object.values(metrics).map((counter) => ('render' in counter ? counter.render() : '')),
    ...Object.values(metrics.reports).map((metric) => metric.render()),
  ].join('');
  if (instance === undefined) return text;
  return text.replace(/^([a-z_]+)(?:\{(.*)\})? /gm, (_, name: string, labels?: string) =>
    labels ? `${name}{${labels},instance="${instance}"} ` : `${name}{instance="${instance}"} `,
  );
}
