/** What `bench/signal.ts` says to its children over IPC, and what they answer. */

/** `redis×1`: ours with REDIS_URL; `redis×2`: two instances of ours on one Redis, peers alternating between them. */
export type ServerKind = 'ours' | 'stock' | 'bare' | 'redis×1' | 'redis×2';
export const SERVER_KINDS: readonly ServerKind[] = ['ours', 'stock', 'bare', 'redis×1', 'redis×2'];

/** Parent → server child. */
export type ServerCommand =
  | { readonly type: 'start' }
  /** With `gc`, collects garbage first (for memory per peer; never during the relay phase). */
  | { readonly type: 'usage'; readonly gc?: boolean };

export interface Started {
  readonly port: number;
  /** The WebSocket path, before `?key=…&id=…&token=…`. */
  readonly path: string;
}

export interface Usage {
  readonly rss: number;
  readonly heapUsed: number;
  /** User + system CPU since the process started. */
  readonly cpuMicros: number;
  /** Event-loop delay since the previous `usage` request. */
  readonly loopDelayP99Ms: number;
  readonly loopDelayMaxMs: number;
}

/** Parent → load worker. Worker `w` owns global peers `from`…`to - 1`, named `p<i>` with token `t<i>`. */
export type WorkerCommand =
  | {
      readonly type: 'connect';
      /** Peer `i` connects to `ports[i % ports.length]` (one port per server instance). */
      readonly ports: readonly number[];
      readonly path: string;
      readonly from: number;
      readonly to: number;
      /** First three octets of this worker's source addresses, e.g. `127.3.1`. */
      readonly sourcePrefix: string;
      readonly concurrency: number;
    }
  | { readonly type: 'heartbeats'; readonly everyMs: number }
  | {
      readonly type: 'relay';
      readonly ratePerSecond: number;
      readonly durationMs: number;
      readonly totalPeers: number;
      readonly seed: number;
    }
  | { readonly type: 'report' }
  | { readonly type: 'close' };

export interface Connected {
  readonly ok: number;
  readonly failed: number;
  /** A few reasons, for the log. */
  readonly failures: readonly string[];
}

export interface Relayed {
  readonly sent: number;
}

export interface WorkerReport {
  /** Send → receive, ms, for relayed messages this worker received from a peer on the same instance… */
  readonly latencies: readonly number[];
  /** …and from a peer on another instance (through Redis). */
  readonly crossLatencies: readonly number[];
  /** Messages that were not our relayed CANDIDATEs (EXPIRE, ERROR …) by type and message. */
  readonly unexpected: Readonly<Record<string, number>>;
  readonly cpuMicros: number;
}
