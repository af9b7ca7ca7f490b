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
  };
}

export type ServerMetrics = ReturnType<typeof createMetrics>;

export interface Gauges {
  readonly peers: number;
  readonly rooms: number;
}

/** The Prometheus text exposition format (version 0.0.4). */
export function renderMetrics(metrics: ServerMetrics, gauges: Gauges): string {
  const gauge = (name: string, help: string, value: number) =>
    `${header(name, help, 'gauge')}${name} ${value}\n`;
  return [
    gauge('diyalog_peers_connected', 'Peers registered on this instance.', gauges.peers),
    gauge('diyalog_rooms_active', 'Rooms with at least one member connected to this instance.', gauges.rooms),
    ...Object.values(metrics).map((counter) => counter.render()),
  ].join('');
}
