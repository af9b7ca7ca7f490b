import type { RawData } from 'ws';
import { PEER_ID_PATTERN } from '../ids.js';

export type RelayType = 'OFFER' | 'ANSWER' | 'CANDIDATE' | 'LEAVE';

/** What a client may send: the PeerJS client-to-server messages. */
export type ClientMessage =
  /** `echo`: the client asks for a HEARTBEAT back, to tell a live socket from a dead one. */
  | { readonly type: 'HEARTBEAT'; readonly echo: boolean }
  | { readonly type: Exclude<RelayType, 'LEAVE'>; readonly dst: string; readonly payload: unknown }
  /** Without `dst`: "I leave my room" (the socket stays registered). */
  | { readonly type: 'LEAVE'; readonly dst: string | undefined; readonly payload: unknown };

/** Frames that cannot be a message at all; the sender's socket is closed. */
export type FatalFrameProblem = 'binary-frame' | 'malformed-json' | 'not-an-object';
/** Well-formed JSON with the wrong shape; the sender gets an ERROR and stays connected. */
export type MessageProblem = 'unknown-type' | 'missing-dst' | 'invalid-dst' | 'payload-too-deep';

export type ParsedFrame =
  | { readonly ok: true; readonly message: ClientMessage }
  | { readonly ok: false; readonly fatal: true; readonly problem: FatalFrameProblem }
  | { readonly ok: false; readonly fatal: false; readonly problem: MessageProblem };

/** SDP and candidate payloads nest 2–4 levels; deeper is someone probing the server. */
export const MAX_PAYLOAD_DEPTH = 16;

const RELAY_TYPES: ReadonlySet<string> = new Set(['OFFER', 'ANSWER', 'CANDIDATE']);

/** Parses and checks one frame. EXPIRE is server-only, and lowercase types are unknown, as in PeerJS. */
export function parseClientFrame(data: RawData, isBinary: boolean): ParsedFrame {
  if (isBinary) return { ok: false, fatal: true, problem: 'binary-frame' };
  const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { ok: false, fatal: true, problem: 'malformed-json' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { ok: false, fatal: true, problem: 'not-an-object' };

  const { type, dst, payload } = raw as { type?: unknown; dst?: unknown; payload?: unknown };
  if (type === 'HEARTBEAT') {
    const echo =
      typeof payload === 'object' && payload !== null && (payload as { echo?: unknown }).echo === true;
    return { ok: true, message: { type, echo } };
  }
  if (type !== 'LEAVE' && !(typeof type === 'string' && RELAY_TYPES.has(type)))
    return { ok: false, fatal: false, problem: 'unknown-type' };
  if (dst === undefined && type !== 'LEAVE') return { ok: false, fatal: false, problem: 'missing-dst' };
  if (dst !== undefined && !(typeof dst === 'string' && PEER_ID_PATTERN.test(dst)))
    return { ok: false, fatal: false, problem: 'invalid-dst' };
  if (depthExceeds(payload, MAX_PAYLOAD_DEPTH))
    return { ok: false, fatal: false, problem: 'payload-too-deep' };
  if (type === 'LEAVE') return { ok: true, message: { type, dst: dst as string | undefined, payload } };
  return {
    ok: true,
    message: { type: type as 'OFFER' | 'ANSWER' | 'CANDIDATE', dst: dst as string, payload },
  };
}

/** Whether objects/arrays nest deeper than `limit`; stops descending at the limit, so it cannot overflow. */
function depthExceeds(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (limit === 0) return true;
  for (const child of Array.isArray(value) ? value : Object.values(value)) {
    if (depthExceeds(child, limit - 1)) return true;
  }
  return false;
}
