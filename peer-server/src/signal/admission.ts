import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { SIGNAL_SUBPROTOCOL } from '../../../src/call/admission.js';
import { ID_LENGTH, ID_PATTERN } from '../../../src/call/ids.js';

export { SIGNAL_SUBPROTOCOL };

/**
 * Whether `admission` opens `room`: the room id is the first 22 base64url characters of SHA-256 of the token
 * (src/call/admission.ts makes both from the link's secret). Stateless: no verifier to register first, so
 * nobody can claim a room before its owner, and every instance checks the same way.
 */
export function admits(room: string, admission: string | undefined): boolean {
  if (admission === undefined || !ID_PATTERN.test(admission)) return false;
  const expected = createHash('sha256').update(admission).digest('base64url').slice(0, ID_LENGTH);
  return timingSafeEqual(Buffer.from(expected), Buffer.from(room.padEnd(ID_LENGTH).slice(0, ID_LENGTH)));
}

/** What a socket presents: our client in subprotocols, plain peerjs clients in the query string. */
export interface SocketCredentials {
  readonly id: string;
  readonly token: string;
  readonly room: string | undefined;
  readonly admission: string | undefined;
}

/** Reads `token.<t>` and `admission.<a>` subprotocols, falling back to `token=` in the URL. */
export function socketCredentials(req: IncomingMessage, url: URL): SocketCredentials {
  const offered = subprotocols(req);
  const fromProtocol = (prefix: string) =>
    offered.find((p) => p.startsWith(prefix))?.slice(prefix.length) || undefined;
  const params = url.searchParams;
  return {
    id: params.get('id') ?? '',
    token: fromProtocol('token.') ?? params.get('token') ?? '',
    room: params.get('room') ?? undefined,
    admission: fromProtocol('admission.'),
  };
}

function subprotocols(req: IncomingMessage): string[] {
  const header = req.headers['sec-websocket-protocol'];
  if (typeof header !== 'string') return [];
  return header.split(',').map((p) => p.trim());
}

/** ws's `handleProtocols`: our client offers `diyalog.v1` (plus credentials), and must get it back. */
export function selectSubprotocol(protocols: Set<string>): string | false {
  return protocols.has(SIGNAL_SUBPROTOCOL) ? SIGNAL_SUBPROTOCOL : false;
}
