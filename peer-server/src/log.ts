import { createHmac, randomBytes } from 'node:crypto';
import type { ConnectionRejection, FrameRejection } from './signal/rejections.js';

/**
 * Every line the server logs. Ids only: never SDP, payloads, tokens, query strings or secrets; and the
 * ids (`id`, `room`) leave the process as keyed hashes (withHashedIds), since a room id is half a link.
 */
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
  | { event: 'internal-error'; id: string; reason: string }
  | { event: 'stuck-reader'; id: string; bufferedBytes: number };

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

/** What stands for an id in logs: 12 base64url characters of HMAC-SHA-256 under the log key. */
export function hashId(key: string, id: string): string {
  return id === '' ? '' : createHmac('sha256', key).update(id).digest('base64url').slice(0, 12);
}

/**
 * Wraps a logger so that `id` and `room` are keyed hashes: the same id gives the same hash (lines can be
 * followed), but the log cannot be turned back into room ids. Without `key`, a random one per process.
 */
export function withHashedIds(log: Logger, key: string = randomBytes(32).toString('base64url')): Logger {
  return (entry) => {
    const hashed: Record<string, unknown> = { ...entry };
    if (typeof hashed.id === 'string') hashed.id = hashId(key, hashed.id);
    if (typeof hashed.room === 'string') hashed.room = hashId(key, hashed.room);
    log(hashed as LogEntry);
  };
}
