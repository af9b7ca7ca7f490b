import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import express, { type Router } from 'express';
import { ID_PATTERN } from '../../src/call/ids.js';
import { HASH_WORKER_CSP, HASH_WORKER_FILE, joinPageCsp } from './security-headers.js';

/**
 * Serves the built join page under /join: `/join/<room>` gets the page (404 when the room id is malformed,
 * so the page can say the link is invalid), `/join/assets/*` its hashed files, and 503 until it is built.
 */
export function joinPage(joinDir: string, publicUrl: string): Router {
  const csp = joinPageCsp(publicUrl);
  const pagePath = join(joinDir, 'join.html');
  const router = express.Router();

  router.use(async (_req, res, next) => {
    if (await isFile(pagePath)) return next();
    res.status(503).type('text/plain').send('The join page has not been built yet: run npm run build.\n');
  });

  // Vite puts a content hash in every asset name, so they never change.
  router.use(
    '/assets',
    express.static(join(joinDir, 'assets'), {
      immutable: true,
      maxAge: '1y',
      index: false,
      fallthrough: false,
      setHeaders: (res, path) => {
        if (HASH_WORKER_FILE.test(path)) res.set('Content-Security-Policy', HASH_WORKER_CSP);
      },
    }),
  );

  router.get('/{*rest}', async (req, res) => {
    const room = /^\/([^/]+)\/?$/.exec(req.path)?.[1];
    const html = await readFile(pagePath);
    res
      .status(room !== undefined && ID_PATTERN.test(room) ? 200 : 404)
      .set({ 'Content-Security-Policy': csp, 'Cache-Control': 'no-cache' })
      .type('html')
      .send(html);
  });
  return router;
}

/**
 * With JOIN_PAGE_URL: `/join/*` is not served here. A 404 that says where join pages live (no redirect: one
 * would let this server pick the page that reads the secret, which is what JOIN_PAGE_URL takes away from it).
 */
export function joinPageElsewhere(joinPageUrl: string): Router {
  const router = express.Router();
  router.use((_req, res) => {
    res
      .status(404)
      .type('text/plain')
      .send(`This server does not serve join pages; invite links open at ${joinPageUrl}/join/…\n`);
  });
  return router;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
