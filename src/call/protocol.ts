/**
 * The PeerJS server protocol as Diyalog speaks it. The server relays only OFFER, ANSWER, CANDIDATE and
 * LEAVE between peers (setting `src` itself) and drops any other type, so simple-peer's signals ride in
 * those: a batch holding an offer goes as OFFER, one holding an answer as ANSWER, anything else
 * (candidates, renegotiate, transceiverRequest) as CANDIDATE.
 */
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
  /** `members`: everyone registered in our room, in the order they joined (ourselves included). */
  | { type: 'OPEN'; members?: readonly string[] }
  /** Someone registered in our room. */
  | { type: 'ROOM-JOIN'; src: string }
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

/** A roster longer than this is not one our server sends (its capacity is at most 1000). */
const MAX_MEMBERS = 1000;

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
    case 'OPEN': {
      const members = (payload as { members?: unknown } | null | undefined)?.members;
      return Array.isArray(members)
        ? { type, members: members.filter((m): m is string => typeof m === 'string').slice(0, MAX_MEMBERS) }
        : { type };
    }
    case 'ROOM-JOIN':
      return typeof src === 'string' ? { type, src } : undefined;
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
