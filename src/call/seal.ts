import { fromBase64Url, toBase64Url } from './ids.js';
import type { LeaveReason, SignalData } from './protocol.js';

/**
 * End-to-end sealing of signaling payloads with the invite's secret (AES-GCM, key from HKDF-SHA-256).
 * The server relays sealed boxes it cannot read or forge, so it cannot see the SDP or swap the DTLS
 * fingerprints in it to put itself in the middle of the call.
 */
export interface Sealed {
  readonly v: 1;
  readonly iv: string;
  readonly ct: string;
}

/** What travels inside a sealed box: who it is from and for, so a box cannot be replayed to someone else. */
export interface SealedSignals {
  readonly from: string;
  readonly to: string;
  readonly signals: readonly SignalData[];
  /**
   * The ICE generation: 0 for the first negotiation, one more for each restart the guest starts. Sealed,
   * so that the server cannot make a peer apply an old description (which would tear the connection down).
   */
  readonly gen?: number;
  /** The sender's user pressed "Try again" (this recovery): a side that gave up tries again too. */
  readonly retry?: boolean;
  /**
   * Against replays (replay.ts): the sender's random per-call nonce and its count of boxes sent, one more
   * each time. A box seen before, older than one seen, or from another call of the same id is dropped.
   */
  readonly nonce?: string;
  readonly seq?: number;
  /** A LEAVE: why the sender leaves (hang-up, busy), sealed so that nobody else can say it for them. */
  readonly leave?: LeaveReason;
  /**
   * Group calls: "I am in the call" on joining (`join`), the answer of those already in (`reply`), and "I am
   * on my preview: offer me ahead" (`preview`, see Mesh.prepare).
   */
  readonly hello?: Hello;
  /** Group calls: which peer connection of this pair the signals belong to (a rebuilt pair starts a new one). */
  readonly link?: number;
  /**
   * The sender is still on its preview: these are its descriptions, made ahead, without addresses (its
   * candidates follow on "Join call"); absent once it is in the call (see Negotiation.stage).
   */
  readonly staged?: boolean;
}

export type Hello = 'join' | 'reply' | 'preview';

export class SealError extends Error {
  override readonly name = 'SealError';
}

const encoder = new TextEncoder();

export async function deriveKey(
  secret: string,
  room: string,
  subtle: SubtleCrypto = crypto.subtle,
): Promise<CryptoKey> {
  const material = await subtle.importKey('raw', fromBase64Url(secret), 'HKDF', false, ['deriveKey']);
  return subtle.deriveKey(
    {
      name: 'HKDF',
      hash: 'SHA-256',
      salt: encoder.encode(room),
      info: encoder.encode('diyalog signaling v1'),
    },
    material,
    { name: 'AES-GCM', length: 128 },
    false,
    ['encrypt', 'decrypt'],
  );
}

export async function seal(
  key: CryptoKey,
  body: SealedSignals,
  subtle: SubtleCrypto = crypto.subtle,
): Promise<Sealed> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await subtle.encrypt({ name: 'AES-GCM', iv }, key, encoder.encode(JSON.stringify(body)));
  return { v: 1, iv: toBase64Url(iv), ct: toBase64Url(new Uint8Array(ct)) };
}

/** Opens a box and checks it was meant for `me` from `sender`; throws SealError otherwise. */
export async function unseal(
  key: CryptoKey,
  box: unknown,
  expected: { me: string; sender: string },
  subtle: SubtleCrypto = crypto.subtle,
): Promise<SealedSignals> {
  const { v, iv, ct } = (box ?? {}) as Partial<Record<keyof Sealed, unknown>>;
  if (v !== 1 || typeof iv !== 'string' || typeof ct !== 'string') throw new SealError('not a sealed box');
  let plain: ArrayBuffer;
  try {
    plain = await subtle.decrypt({ name: 'AES-GCM', iv: fromBase64Url(iv) }, key, fromBase64Url(ct));
  } catch {
    throw new SealError('wrong secret or tampered box');
  }
  const body = JSON.parse(new TextDecoder().decode(plain)) as Partial<SealedSignals>;
  if (body.to !== expected.me || body.from !== expected.sender || !Array.isArray(body.signals)) {
    throw new SealError('box not meant for this peer');
  }
  const gen = Number.isSafeInteger(body.gen) && (body.gen as number) >= 0 ? (body.gen as number) : 0;
  return {
    from: body.from,
    to: body.to,
    signals: body.signals,
    gen,
    ...(body.retry === true ? { retry: true } : {}),
    ...(typeof body.nonce === 'string' ? { nonce: body.nonce } : {}),
    ...(Number.isSafeInteger(body.seq) ? { seq: body.seq as number } : {}),
    ...(body.leave === 'hangup' || body.leave === 'busy' ? { leave: body.leave } : {}),
    ...(body.hello === 'join' || body.hello === 'reply' || body.hello === 'preview'
      ? { hello: body.hello }
      : {}),
    ...(Number.isSafeInteger(body.link) && (body.link as number) >= 0 ? { link: body.link as number } : {}),
    ...(body.staged === true ? { staged: true } : {}),
  };
}
