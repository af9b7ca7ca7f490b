import type { Request, Response } from 'express';
import { PEER_ID_PATTERN } from '../ids.js';
import type { RegisteredPeer, SignalServer } from '../signal/signal-server.js';

/**
 * The peer making an API call, proven by the id and token its WebSocket registered with: our client sends
 * `Authorization: Peer <id>.<token>` (proxies log URLs, not headers); `?id=…&token=…` still works for
 * plain peerjs-style clients. Answers 401 when they are missing or malformed and 403 when no such peer is
 * connected (on any instance), and returns undefined then.
 */
export async function authenticatePeer(
  req: Request,
  res: Response,
  signal: SignalServer,
): Promise<RegisteredPeer | undefined> {
  const { id, token } = presented(req);
  if (
    typeof id !== 'string' ||
    typeof token !== 'string' ||
    !PEER_ID_PATTERN.test(id) ||
    !PEER_ID_PATTERN.test(token)
  ) {
    res.status(401).json({ error: 'id and token of a registered peer required' });
    return undefined;
  }
  let peer: RegisteredPeer | undefined;
  try {
    peer = await signal.authenticate(id, token);
  } catch {
    // Redis away: the peer may well be registered on another instance; nobody can tell now.
    res.status(503).json({ error: 'peer directory unavailable' });
    return undefined;
  }
  if (!peer) res.status(403).json({ error: 'not a registered peer' });
  return peer;
}

function presented(req: Request): { id: unknown; token: unknown } {
  const header = /^Peer ([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{1,64})$/.exec(req.get('authorization') ?? '');
  if (header) return { id: header[1], token: header[2] };
  return { id: req.query.id, token: req.query.token };
}

/** The admission token in `Authorization: Admission <token>`, if any (see signal/admission.ts). */
export function presentedAdmission(req: Request): string | undefined {
  return /^Admission ([A-Za-z0-9_-]{22})$/.exec(req.get('authorization') ?? '')?.[1];
}
