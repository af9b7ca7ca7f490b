import express, { type Router } from 'express';
import type { DiyalogConfig } from '../config.js';
import type { ServerMetrics } from '../metrics.js';
import type { SignalServer } from '../signal/signal-server.js';
import { iceServersFor } from '../turn.js';
import { authenticatePeer } from './credentials.js';

/**
 * `GET /?id=…&token=…` → `{ iceServers, ttlSeconds, reconnectLimitSeconds }` with fresh TURN credentials, for
 * a peer registered here only: TURN relays cost bandwidth, so they are not handed to whoever asks. The
 * reconnect limit rides along: it is this deployment's call policy, and every client asks here anyway.
 */
export function iceServersApi(config: DiyalogConfig, signal: SignalServer, metrics: ServerMetrics): Router {
  const router = express.Router();
  const turn = { urls: config.turnUrls, secret: config.turnSecret, ttlSeconds: config.turnTtlSeconds };
  router.get('/', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const peer = await authenticatePeer(req, res, signal);
    if (!peer) return;
    const answer = iceServersFor(turn, peer.id, Date.now());
    if (answer.ttlSeconds > 0) metrics.turnCredentialsIssued.inc();
    res.json({ ...answer, reconnectLimitSeconds: config.reconnectLimitSeconds });
  });
  return router;
}
