import type { RequestHandler } from 'express';

/** Headers for every response; JSON and text need no scripts, frames or referrers. */
export const securityHeaders: RequestHandler = (_req, res, next) => {
  res.set({
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
    'Cross-Origin-Resource-Policy': 'same-origin',
  });
  next();
};

/**
 * The join page runs our own scripts, talks to our WebSocket and shows camera streams. It may connect only
 * to its own origin and the server's public one (its WebSocket twin included): a script that got in
 * somehow still could not send the link's secret anywhere else.
 */
export function joinPageCsp(publicUrl: string): string {
  const origin = new URL(publicUrl).origin;
  const socketOrigin = origin.replace(/^http/, 'ws');
  return JOIN_PAGE_CSP.replace("connect-src 'self'", `connect-src 'self' ${origin} ${socketOrigin}`);
}

export const JOIN_PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "media-src 'self' blob: data:",
  "img-src 'self' blob: data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The join page's SHA-256 worker (src/web/sha256-worker.ts): a worker script obeys the CSP it is served
 * with, not its page's. It loads nothing and connects nowhere; it may only compile WebAssembly (its own
 * bundled hash-wasm: no eval of JavaScript, nothing fetched), which hashes a file at ~2.5× less CPU.
 */
export const HASH_WORKER_CSP = "default-src 'none'; script-src 'wasm-unsafe-eval'; frame-ancestors 'none'";
/** Vite's name for that worker's built file. */
export const HASH_WORKER_FILE = /(^|\/)sha256-worker-[A-Za-z0-9_-]+\.js$/;
