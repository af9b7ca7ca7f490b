/**
 * The PeerJS server protocol as Diyalog speaks it. The server relays only OFFER, ANSWER, CANDIDATE and
 * LEAVE between peers (setting `src` itself) and drops any other type, so simple-peer's signals ride in
 * those: a batch holding an offer goes as OFFER, one holding an answer as ANSWER, anything else
 * (candidates, renegotiate, transceiverRequest) as CANDIDATE.
 */
import { qualityLevels, type QualityLevel } from './quality/config.js';
import type { DecisionFigures, DecisionReason } from './quality/policy.js';

/** What simple-peer emits on 'signal' and accepts in `signal()`. */
export type SignalData =
  | { type: 'offer' | 'answer' | 'pranswer' | 'rollback'; sdp?: string }
  | {
      type: 'candidate';
      candidate: { candidate: string; sdpMLineIndex?: number | null; sdpMid?: string | null };
    }
  | { type: 'renegotiate'; renegotiate: true }
  | { type: 'transceiverRequest'; transceiverRequest: { kind: string; init?: unknown } };

export type RelayType = 'OFFER' | 'ANSWER' | 'CANDIDATE' | 'LEAVE';

export type ServerMessage =
  | { type: 'OPEN' }
  | { type: 'HEARTBEAT' }
  | { type: 'ERROR' | 'ID-TAKEN' | 'INVALID-KEY'; message: string }
  | { type: 'EXPIRE'; src: string }
  | { type: RelayType; src: string; payload: unknown };

/**
 * Why a LEAVE was sent; rides unsealed so that a peer holding a wrong secret can still read it.
 * `gone` comes from the server itself: that peer's socket closed without a hang-up.
 */
export type LeaveReason = 'hangup' | 'unauthorized' | 'busy' | 'gone';
const LEAVE_REASONS: ReadonlySet<string> = new Set<LeaveReason>(['hangup', 'unauthorized', 'busy', 'gone']);

export function relayTypeFor(signals: readonly SignalData[]): 'OFFER' | 'ANSWER' | 'CANDIDATE' {
  if (signals.some((s) => s.type === 'offer')) return 'OFFER';
  if (signals.some((s) => s.type === 'answer')) return 'ANSWER';
  return 'CANDIDATE';
}

/** Parses one frame from the server; anything malformed gives undefined and is ignored by the caller. */
export function parseServerMessage(frame: unknown): ServerMessage | undefined {
  if (typeof frame !== 'string') return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(frame);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { type, src, payload } = raw as { type?: unknown; src?: unknown; payload?: unknown };
  switch (type) {
    case 'OPEN':
    case 'HEARTBEAT':
      return { type };
    case 'ERROR':
    case 'ID-TAKEN':
    case 'INVALID-KEY': {
      const msg = (payload as { msg?: unknown } | undefined)?.msg;
      return { type, message: typeof msg === 'string' ? msg : type };
    }
    case 'EXPIRE':
      return typeof src === 'string' ? { type, src } : undefined;
    case 'OFFER':
    case 'ANSWER':
    case 'CANDIDATE':
    case 'LEAVE':
      return typeof src === 'string' ? { type, src, payload } : undefined;
    default:
      return undefined;
  }
}

export function encodeClientMessage(type: RelayType | 'HEARTBEAT', dst?: string, payload?: unknown): string {
  return JSON.stringify(type === 'HEARTBEAT' ? { type } : { type, dst, payload });
}

export function leavePayload(reason: LeaveReason): { reason: LeaveReason } {
  return { reason };
}

export function leaveReasonOf(payload: unknown): LeaveReason {
  const reason = (payload as { reason?: unknown } | null | undefined)?.reason;
  return typeof reason === 'string' && LEAVE_REASONS.has(reason) ? (reason as LeaveReason) : 'hangup';
}

/** What one side tells the other of its own quality decision (the receiver gets no event otherwise). */
export interface RemoteQuality {
  readonly level: QualityLevel;
  /** Show this one: `level` differs only while `probing` (a trial that may be undone). */
  readonly settledLevel: QualityLevel;
  readonly probing: boolean;
  readonly reason: DecisionReason;
  readonly figures: DecisionFigures;
}

/** Messages on the peer-to-peer data channel. */
export type PeerMessage =
  | { t: 'bye' }
  /** "Are you still there?" and its answer: a server notice that a peer's socket closed is checked so. */
  | { t: 'ping'; n: number }
  | { t: 'pong'; n: number }
  | { t: 'media'; audio: boolean; video: boolean }
  | ({ t: 'quality' } & RemoteQuality)
  /** The sender shows a tab instead of its camera (`title`), or is back to the camera (`null`). */
  | { t: 'share'; title: string | null };

/** A shared tab's title is shown as text, never as markup; a longer one is cut. */
export const MAX_SHARE_TITLE = 200;

const DECISION_REASONS: ReadonlySet<string> = new Set<DecisionReason>([
  'start',
  'bandwidth',
  'loss',
  'recovered',
  'probe',
  'probe-succeeded',
  'probe-failed',
  'user-audio-only',
  'user-video',
  'user-released',
  'override-expired',
  'fallback-disabled',
]);
const LEVELS: ReadonlySet<string> = new Set<string>(qualityLevels);

export function parsePeerMessage(data: unknown): PeerMessage | undefined {
  const text =
    typeof data === 'string' ? data : data instanceof Uint8Array ? new TextDecoder().decode(data) : undefined;
  if (text === undefined) return undefined;
  try {
    const msg = JSON.parse(text) as Record<string, unknown> | null;
    if (msg?.t === 'bye') return { t: 'bye' };
    if ((msg?.t === 'ping' || msg?.t === 'pong') && Number.isSafeInteger(msg.n)) {
      return { t: msg.t, n: msg.n as number };
    }
    if (msg?.t === 'media' && typeof msg.audio === 'boolean' && typeof msg.video === 'boolean') {
      return { t: 'media', audio: msg.audio, video: msg.video };
    }
    if (msg?.t === 'quality') return parseQuality(msg);
    if (msg?.t === 'share' && (typeof msg.title === 'string' || msg.title === null)) {
      return { t: 'share', title: msg.title === null ? null : msg.title.slice(0, MAX_SHARE_TITLE) };
    }
  } catch {
    // not ours: ignore
  }
  return undefined;
}

function parseQuality(msg: Record<string, unknown>): PeerMessage | undefined {
  const { level, settledLevel, probing, reason, figures } = msg;
  if (typeof level !== 'string' || !LEVELS.has(level)) return undefined;
  if (typeof settledLevel !== 'string' || !LEVELS.has(settledLevel)) return undefined;
  if (typeof probing !== 'boolean' || typeof reason !== 'string' || !DECISION_REASONS.has(reason))
    return undefined;
  if (typeof figures !== 'object' || figures === null || Array.isArray(figures)) return undefined;
  const f = figures as Record<string, unknown>;
  const figure = (value: unknown): number | undefined | null =>
    value === undefined || value === null
      ? undefined
      : typeof value === 'number' && Number.isFinite(value) && value >= 0
        ? value
        : null;
  const availableKbps = figure(f.availableKbps);
  const lossPercent = figure(f.lossPercent);
  const sendKbps = figure(f.sendKbps);
  if (availableKbps === null || lossPercent === null || sendKbps === null) return undefined;
  return {
    t: 'quality',
    level: level as QualityLevel,
    settledLevel: settledLevel as QualityLevel,
    probing,
    reason: reason as DecisionReason,
    figures: { availableKbps, lossPercent, sendKbps },
  };
}

/** An RTCIceServer as the server hands it out; anything else in the answer is dropped. */
export interface IceServer {
  readonly urls: string | string[];
  readonly username?: string;
  readonly credential?: string;
}

export interface IceServersAnswer {
  readonly iceServers: IceServer[];
  readonly ttlSeconds: number;
  /** How long a broken call tries to come back before "Connection lost" (undefined: the client's default). */
  readonly reconnectLimitSeconds: number | undefined;
}

/**
 * Reads `{ iceServers, ttlSeconds, reconnectLimitSeconds }` from the server; a malformed answer gives no
 * servers and the default limit.
 */
export function parseIceServers(body: unknown): IceServersAnswer {
  const { iceServers, ttlSeconds, reconnectLimitSeconds } = (body ?? {}) as Record<string, unknown>;
  const servers = Array.isArray(iceServers) ? iceServers : [];
  const valid = servers.flatMap((entry): IceServer[] => {
    const { urls, username, credential } = (entry ?? {}) as Record<string, unknown>;
    const urlList = typeof urls === 'string' ? [urls] : Array.isArray(urls) ? urls : [];
    if (urlList.length === 0 || !urlList.every((u) => typeof u === 'string' && /^(stun|turns?):/.test(u)))
      return [];
    return [
      {
        urls: urlList as string[],
        ...(typeof username === 'string' ? { username } : {}),
        ...(typeof credential === 'string' ? { credential } : {}),
      },
    ];
  });
  const limit =
    typeof reconnectLimitSeconds === 'number' && reconnectLimitSeconds >= 1 && reconnectLimitSeconds <= 3600
      ? reconnectLimitSeconds
      : undefined;
  return {
    iceServers: valid,
    ttlSeconds: typeof ttlSeconds === 'number' && ttlSeconds > 0 ? ttlSeconds : 0,
    reconnectLimitSeconds: limit,
  };
}
