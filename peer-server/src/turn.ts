import { createHmac, randomBytes } from 'node:crypto';

/** What `GET /api/ice-servers` answers: an RTCConfiguration's `iceServers`, and how long they stay valid. */
export interface IceServersResponse {
  readonly iceServers: readonly IceServer[];
  /** 0 when nothing in the list expires. */
  readonly ttlSeconds: number;
}

/** The subset of RTCIceServer we hand out. */
export interface IceServer {
  readonly urls: readonly string[];
  readonly username?: string;
  readonly credential?: string;
}

export interface TurnSettings {
  readonly urls: readonly string[];
  readonly secret: string | undefined;
  readonly ttlSeconds: number;
}

/**
 * Time-limited TURN credentials as coturn checks them with `use-auth-secret` (the "TURN REST API"): the
 * username is `<unix expiry>:<user>` and the password base64(HMAC-SHA1(secret, username)). coturn recomputes
 * the HMAC and refuses an expired username, so nothing is shared with it but the secret.
 */
export function turnCredential(
  secret: string,
  user: string,
  ttlSeconds: number,
  nowMs: number,
): { username: string; credential: string } {
  const username = `${Math.floor(nowMs / 1000) + ttlSeconds}:${user}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential };
}

/**
 * STUN URLs as they are, TURN URLs with credentials for a random user: coturn logs usernames, and a peer
 * id there would tie the relay to a call.
 */
export function iceServersFor(
  turn: TurnSettings,
  nowMs: number,
  user: string = randomBytes(12).toString('base64url'),
): IceServersResponse {
  const stun = turn.urls.filter((url) => /^stuns?:/.test(url));
  const relay = turn.urls.filter((url) => /^turns?:/.test(url));
  const iceServers: IceServer[] = [];
  if (stun.length > 0) iceServers.push({ urls: stun });
  if (relay.length === 0 || turn.secret === undefined) return { iceServers, ttlSeconds: 0 };
  iceServers.push({ urls: relay, ...turnCredential(turn.secret, user, turn.ttlSeconds, nowMs) });
  return { iceServers, ttlSeconds: turn.ttlSeconds };
}
