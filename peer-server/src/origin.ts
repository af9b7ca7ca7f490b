import type { RequestHandler } from 'express';

/** Our Chrome extension: the manifest's `key` fixes its id. */
export const EXTENSION_ORIGIN = 'chrome-extension://bgmhambpgpejnbihikfcjmliocfnoidh';

/** Firefox gives every install of an extension its own random UUID, so no list can name ours. */
const FIREFOX_EXTENSION = /^moz-extension:\/\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Which browser origins may open our WebSocket and read our API. This stops other websites from driving a
 * visitor's browser against us; it is not authentication, since any non-browser client can send any Origin.
 */
export class OriginPolicy {
  readonly #allowed: Set<string>;

  constructor(ownOrigins: readonly string[], extraOrigins: readonly string[]) {
    this.#allowed = new Set([EXTENSION_ORIGIN, ...ownOrigins, ...extraOrigins].map((o) => o.toLowerCase()));
  }

  /** Adds an origin the server answers on, e.g. its listening address once the port is known. */
  addOwnOrigin(origin: string): void {
    this.#allowed.add(origin.toLowerCase());
  }

  /**
   * No Origin header means no browser page is behind the request (browsers send it on every WebSocket and
   * cross-origin request), so there is no visitor to protect: such clients pass. `null` (sandboxed frames,
   * file: pages, about:blank) is not an origin we know, so it does not.
   */
  allows(origin: string | undefined): boolean {
    if (origin === undefined) return true;
    const normalized = origin.toLowerCase();
    return this.#allowed.has(normalized) || FIREFOX_EXTENSION.test(normalized);
  }
}

/**
 * CORS for our JSON API: allowed origins get `Access-Control-Allow-Origin` for GET, others a 403, so that a
 * page elsewhere cannot even make the request count. Same-origin GETs carry no Origin and pass.
 */
export function corsFor(policy: OriginPolicy): RequestHandler {
  return (req, res, next) => {
    const origin = req.headers.origin;
    res.vary('Origin');
    if (!policy.allows(origin)) {
      res.status(403).set('Cache-Control', 'no-store').json({ error: 'origin not allowed' });
      return;
    }
    if (origin !== undefined) res.set('Access-Control-Allow-Origin', origin);
    if (req.method === 'OPTIONS') {
      // Authorization carries peer and admission credentials (signal/admission.ts), so it must be allowed.
      res
        .status(204)
        .set({
          'Access-Control-Allow-Methods': 'GET',
          'Access-Control-Allow-Headers': 'Authorization',
          'Access-Control-Max-Age': '600',
        })
        .end();
      return;
    }
    next();
  };
}
