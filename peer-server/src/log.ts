import type { ConnectionRejection, FrameRejection } from './signal/rejections.js';

/** Every line the server logs. Ids only: never SDP, payloads, tokens, query strings or secrets. */
export type LogEntry =
  | {
      event: 'server-started';
      url: string;
      publicUrl: string;
      store: 'memory' | 'redis';
      /** With REDIS_URL: this instance's name among several. */
      instance?: string;
    }
  | { event: 'server-stopping'; peers: number }
  | { event: 'server-stopped' }
  | { event: 'peer-connected'; id: string }
  | { event: 'peer-replaced'; id: string }
  | { event: 'peer-disconnected'; id: string }
  | { event: 'peer-timed-out'; id: string }
  | { event: 'connection-rejected'; reason: ConnectionRejection }
  | { event: 'frame-rejected'; id: string; reason: FrameRejection }
  | { event: 'rate-limited'; id: string; closed: boolean }
  | { event: 'room-joined'; room: string; id: string; members: number }
  | {
      event: 'room-left';
      room: string;
      id: string;
      /** instance-lost: its instance stopped beating, and a live one removed it. */
      reason: 'closed' | 'leave' | 'replaced' | 'instance-lost';
    }
  | { event: 'room-full'; room: string; id: string }
  | { event: 'store-error'; operation: string; reason: string }
  | { event: 'cluster-error'; operation: string; reason: string }
  /** Redis went away: local peers are still served; peers elsewhere are out of reach until it is back. */
  | { event: 'cluster-degraded'; reason: string }
  | { event: 'cluster-restored'; peers: number }
  | { event: 'http-error'; status: number; reason: string }
  | { event: 'internal-error'; id: string; reason: string };

export type Logger = (entry: LogEntry) => void;

/** One JSON line per event on stdout. */
export const jsonLogger: Logger = (entry) => {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
};

export const silentLogger: Logger = () => {};

/** A short, safe reason for an error: its code or class name, never its message (which may hold a URL). */
export function errorReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown';
}
