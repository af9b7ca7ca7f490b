import express, { type Router } from 'express';
import { clientIp, ipKey } from '../client-ip.js';
import type { DiyalogConfig } from '../config.js';
import type { ServerMetrics } from '../metrics.js';
import type { SignalServer } from '../signal/signal-server.js';
import { TokenBucket } from '../signal/token-bucket.js';
import { iceServersFor } from '../turn.js';
import { authenticatePeer } from './credentials.js';

/**
 * `GET /` with `Authorization: Peer <id>.<token>` → `{ iceServers, ttlSeconds, reconnectLimitSeconds }` with
 * fresh TURN credentials, for an admitted room member only, within a per-address quota: TURN relays cost
 * the operator bandwidth, so they are not handed to whoever asks. Others get STUN only (403 for strangers).
 * The reconnect limit rides along: it is this deployment's call policy, and every client asks here anyway.
 */
export function iceServersApi(config: DiyalogConfig, signal: SignalServer, metrics: ServerMetrics): Router {
  const router = express.Router();
  const turn = { urls: config.turnUrls, secret: config.turnSecret, ttlSeconds: config.turnTtlSeconds };
  const noTurn = {
    urls: config.turnUrls.filter((url) => /^stuns?:/.test(url)),
    secret: undefined,
    ttlSeconds: 0,
  };
  const quota = new Map<string, TokenBucket>();
  const sweep = setInterval(() => {
    for (const [ip, bucket] of quota) if (bucket.full) quota.delete(ip);
  }, 60_000);
  sweep.unref();

  /** Whether `ip` may have another credential: TURN_QUOTA_PER_IP per hour, as a refilling bucket. */
  function withinQuota(ip: string): boolean {
    let bucket = quota.get(ip);
    if (!bucket)
      quota.set(ip, (bucket = new TokenBucket(config.turnQuotaPerIp, config.turnQuotaPerIp / 3600)));
    return bucket.take();
  }

  router.get('/', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const peer = await authenticatePeer(req, res, signal);
    if (!peer) return;
    const hasTurn = turn.secret !== undefined;
    if (hasTurn && peer.room === undefined) {
      metrics.turnCredentialsRefused.inc();
      res.status(403).json({ error: 'TURN credentials are for room members only' });
      return;
    }
    if (hasTurn && !withinQuota(ipKey(clientIp(req, config.trustProxy)))) {
      metrics.turnCredentialsRefused.inc();
      res.status(429).set('Retry-After', '60').json({ error: 'too many TURN credentials from this address' });
      return;
    }
    const answer = iceServersFor(hasTurn ? turn : noTurn, Date.now());
    if (answer.ttlSeconds > 0) metrics.turnCredentialsIssued.inc();
    res.json({ ...answer, reconnectLimitSeconds: config.reconnectLimitSeconds });
  });
  return router;
}
