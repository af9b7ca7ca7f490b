import { fromBase64Url, ID_LENGTH, toBase64Url } from './ids.js';

/**
 * Room admission by proof of the link's secret. The admission token is derived from the secret with HKDF
 * under its own label, so it says nothing about the sealing key (seal.ts, label "diyalog signaling v1"): a
 * server that sees the token can admit, but can open or forge no sealed box. The room id is a hash of the
 * token, so the server checks a join statelessly (hash what the client presents, compare with the room),
 * and whoever knows only the room id — from a link's path, a log, a preview — cannot get in.
 */
const encoder = new TextEncoder();
const ADMISSION_INFO = 'diyalog admission v1';

/** The admission token of a link secret: 128 bits as 22 base64url characters. */
export async function admissionFor(secret: string, subtle: SubtleCrypto = crypto.subtle): Promise<string> {
  const material = await subtle.importKey('raw', fromBase64Url(secret), 'HKDF', false, ['deriveBits']);
  const bits = await subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: encoder.encode(ADMISSION_INFO) },
    material,
    128,
  );
  return toBase64Url(new Uint8Array(bits));
}

/** The room an admission token opens: the first 22 base64url characters of SHA-256(token). */
export async function roomForAdmission(
  admission: string,
  subtle: SubtleCrypto = crypto.subtle,
): Promise<string> {
  const digest = await subtle.digest('SHA-256', encoder.encode(admission));
  return toBase64Url(new Uint8Array(digest)).slice(0, ID_LENGTH);
}

/** The room a link secret belongs to. */
export async function roomForSecret(secret: string, subtle: SubtleCrypto = crypto.subtle): Promise<string> {
  return roomForAdmission(await admissionFor(secret, subtle), subtle);
}

/**
 * WebSocket subprotocols that carry credentials out of the URL (proxies log URLs, rarely headers): the
 * server selects `diyalog.v1`; the others are `token.<peer token>` and `admission.<token>`.
 */
export const SIGNAL_SUBPROTOCOL = 'diyalog.v1';
export function signalSubprotocols(credentials: { token: string; admission?: string }): string[] {
  return [
    SIGNAL_SUBPROTOCOL,
    `token.${credentials.token}`,
    ...(credentials.admission === undefined ? [] : [`admission.${credentials.admission}`]),
  ];
}

/** `Authorization` header values for the REST API: a registered peer, or a holder of a room's admission. */
export function peerAuthorization(id: string, token: string): string {
  return `Peer ${id}.${token}`;
}
export function admissionAuthorization(admission: string): string {
  return `Admission ${admission}`;
}
