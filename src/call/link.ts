import { roomForSecret } from './admission.js';
import { CallError } from './errors.js';
import { cryptoRandomBytes, ID_PATTERN, newId, type RandomBytes } from './ids.js';

/**
 * The invite link: `<server>/join/<room>#s=<secret>`; with a join page served elsewhere (JOIN_PAGE_URL),
 * `<join page>/join/<room>#s=<secret>&server=<server>`.
 * The room names the call to the server; the secret stays in the fragment, which browsers never send to a
 * server, and seals every signaling message end to end (see seal.ts), so the server can neither join nor
 * tamper with the call. The room is a hash of the secret's admission token (admission.ts): knowing the room
 * is not enough to get in.
 */
export interface Invite {
  /** The server's origin (and path prefix, if any), without a trailing slash. */
  readonly serverUrl: string;
  readonly room: string;
  readonly secret: string;
  /** Where the join page is served when not by the server itself (its base URL, without a trailing slash). */
  readonly joinPageUrl?: string;
}

export function formatInviteLink({ serverUrl, room, secret, joinPageUrl }: Invite): string {
  const server = normalizeServerUrl(serverUrl);
  const page = joinPageUrl === undefined ? server : normalizeServerUrl(joinPageUrl);
  // The server rides in the fragment as well: browsers send it nowhere, not even to the join page's host.
  const where = page === server ? '' : `&server=${encodeURIComponent(server)}`;
  return `${page}/join/${room}#s=${secret}${where}`;
}

/** `invite` with its link opening at `joinPageUrl` ('' or the server itself: the server's own page). */
export function withJoinPage(invite: Invite, joinPageUrl: string): Invite {
  const { serverUrl, room, secret } = invite;
  if (joinPageUrl === '' || normalizeServerUrl(joinPageUrl) === normalizeServerUrl(serverUrl))
    return { serverUrl, room, secret };
  return { serverUrl, room, secret, joinPageUrl: normalizeServerUrl(joinPageUrl) };
}

/** Parses a full invite link; throws CallError('link-invalid') with the reason as its cause. */
export function parseInviteLink(link: string): Invite {
  let url: URL;
  try {
    url = new URL(link.trim());
  } catch {
    throw new CallError('link-invalid', 'not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CallError('link-invalid', 'not http(s)');
  const match = /^(.*)\/join\/([^/]+)\/?$/.exec(url.pathname);
  if (!match) throw new CallError('link-invalid', 'no /join/<room> path');
  const { room, secret } = parseJoinLocation(`/join/${match[2]!}`, url.hash);
  const page = `${url.origin}${match[1]!}`;
  const server = new URLSearchParams(url.hash.replace(/^#/, '')).get('server');
  if (server === null) return { serverUrl: page, room, secret };
  let serverUrl: string;
  try {
    serverUrl = normalizeServerUrl(server);
  } catch {
    throw new CallError('link-invalid', 'bad server in the fragment');
  }
  return serverUrl === page ? { serverUrl, room, secret } : { serverUrl, room, secret, joinPageUrl: page };
}

/**
 * The invite in text someone pasted: the link alone, or a message around it ("Join me: https://…"). The first
 * http(s) address that is a whole invite link wins; throws CallError('link-invalid') when there is none.
 */
export function findInviteLink(text: string): Invite {
  let firstError: unknown;
  for (const candidate of text.match(/https?:\/\/[^\s<>"']+/g) ?? []) {
    try {
      return parseInviteLink(candidate);
    } catch (error) {
      firstError ??= error;
    }
  }
  throw firstError ?? new CallError('link-invalid', 'no invite link in the text');
}

/** Reads the room and secret from a join page's own location (path and fragment). */
export function parseJoinLocation(pathname: string, hash: string): { room: string; secret: string } {
  const room = /\/join\/([^/]+)\/?$/.exec(pathname)?.[1];
  if (room === undefined || !ID_PATTERN.test(room)) throw new CallError('link-invalid', 'bad room id');
  const secret = new URLSearchParams(hash.replace(/^#/, '')).get('s');
  if (secret === null || secret === '') throw new CallError('link-invalid', 'no secret in the fragment');
  if (!ID_PATTERN.test(secret)) throw new CallError('link-invalid', 'bad secret');
  return { room, secret };
}

export function normalizeServerUrl(serverUrl: string): string {
  const url = new URL(serverUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error('The server URL must start with http:// or https://');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * The PeerJS-protocol WebSocket address for a server URL. Our client leaves `token` out (it rides in a
 * subprotocol, see admission.ts): URLs end up in proxy logs. Plain peerjs clients put it here.
 */
export function signalingUrl(
  serverUrl: string,
  params: { id: string; token?: string; room?: string; key?: string },
): string {
  const url = new URL(`${normalizeServerUrl(serverUrl)}/signal/peerjs`);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('key', params.key ?? 'peerjs');
  url.searchParams.set('id', params.id);
  if (params.token !== undefined) url.searchParams.set('token', params.token);
  if (params.room !== undefined) url.searchParams.set('room', params.room);
  return url.href;
}

/** Where a registered room member gets its STUN/TURN servers (authorized by header: peerAuthorization). */
export function iceServersUrl(serverUrl: string): string {
  return `${normalizeServerUrl(serverUrl)}/api/ice-servers`;
}

/** A fresh invite: a new 128-bit secret, and the room its admission token opens. */
export async function newInvite(serverUrl: string, random: RandomBytes = cryptoRandomBytes): Promise<Invite> {
  const secret = newId(random);
  return { serverUrl: normalizeServerUrl(serverUrl), room: await roomForSecret(secret), secret };
}

/**
 * Whether the link's room belongs to its secret; a link edited by hand (or made before room admission)
 * would only be refused by the server later, with less to say.
 */
export async function checkInvite(invite: Invite): Promise<void> {
  if ((await roomForSecret(invite.secret)) !== invite.room)
    throw new CallError('link-invalid', 'the room does not match the secret');
}
