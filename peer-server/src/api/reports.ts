import express, { type RequestHandler, type Router } from 'express';
import { clientIp, ipKey } from '../client-ip.js';
import { recordReport, type ReportMetrics } from '../reports/report-metrics.js';
import { parseCallReport } from '../reports/schema.js';
import { TokenBucket } from '../signal/token-bucket.js';

export interface ReportsLimits {
  /** Largest accepted body; a v1 report is ~200 bytes. */
  readonly maxBodyBytes: number;
  /** Per client address: this many at once, then one per `perIpRefillSeconds`. */
  readonly perIpBurst: number;
  readonly perIpRefillSeconds: number;
  /** Addresses remembered for the per-IP limit; the oldest is forgotten first (bounded memory). */
  readonly maxTrackedIps: number;
  /** For the whole server, whoever sends: keeps a crowd of addresses from filling the metrics. */
  readonly globalPerSecond: number;
  readonly globalBurst: number;
}

export const DEFAULT_REPORTS_LIMITS: ReportsLimits = {
  maxBodyBytes: 1024,
  perIpBurst: 5,
  perIpRefillSeconds: 60,
  maxTrackedIps: 10_000,
  globalPerSecond: 20,
  globalBurst: 100,
};

/**
 * `POST /` with an opt-in call summary (see reports/schema.ts) → 202 `{ accepted: true }`, counted in
 * `/metrics`. Refusals: 413 too large, 415 not JSON, 400 malformed or off-schema, 429 too many from one
 * address (Retry-After), 503 too many overall. Nothing about the sender is logged or kept beyond its rate
 * limit bucket.
 */
export function reportsApi(
  metrics: ReportMetrics,
  trustProxy: number,
  limits: ReportsLimits = DEFAULT_REPORTS_LIMITS,
): Router {
  const router = express.Router();
  const perIp = new Map<string, TokenBucket>();
  const global = new TokenBucket(limits.globalBurst, limits.globalPerSecond);

  const rateLimit: RequestHandler = (req, res, next) => {
    // Like every per-address limit: IPv6 clients by their /64, which one subscriber usually holds whole.
    const ip = ipKey(clientIp(req, trustProxy));
    let bucket = perIp.get(ip);
    if (bucket === undefined) {
      if (perIp.size >= limits.maxTrackedIps) perIp.delete(perIp.keys().next().value!);
      bucket = new TokenBucket(limits.perIpBurst, 1 / limits.perIpRefillSeconds);
      perIp.set(ip, bucket);
    }
    if (!bucket.take()) {
      metrics.reportsReceived.inc('rate-limited');
      refuse(res, 429, 'too many reports from this address', {
        'Retry-After': String(limits.perIpRefillSeconds),
      });
      return;
    }
    if (!global.take()) {
      metrics.reportsReceived.inc('busy');
      refuse(res, 503, 'too many reports right now', { 'Retry-After': '10' });
      return;
    }
    next();
  };

  const requireJson: RequestHandler = (req, res, next) => {
    if (req.is(['application/json', 'text/plain'])) return next();
    metrics.reportsReceived.inc('invalid');
    refuse(res, 415, 'send the report as application/json');
  };

  // Our own reader, not express.json(): on an oversized body that one drains the rest before answering, so a
  // client streaming without end would hold the request open; this one answers 413 and closes at once.
  const body: RequestHandler = (req, res, next) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > limits.maxBodyBytes) return tooLarge(req, res);
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limits.maxBodyBytes) {
        done = true;
        chunks.length = 0;
        return tooLarge(req, res);
      }
      chunks.push(chunk);
    });
    req.on('error', () => {
      done = true;
      req.destroy();
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      try {
        req.body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
      } catch {
        metrics.reportsReceived.inc('invalid');
        refuse(res, 400, 'the body is not valid JSON');
        return;
      }
      next();
    });
  };

  const tooLarge = (req: express.Request, res: express.Response) => {
    metrics.reportsReceived.inc('too-large');
    req.pause();
    res.once('finish', () => req.socket.destroy());
    refuse(res, 413, `a report is at most ${limits.maxBodyBytes} bytes`, { Connection: 'close' });
  };

  router.post('/', rateLimit, requireJson, body, (req, res) => {
    const parsed = parseCallReport(req.body);
    if ('error' in parsed) {
      metrics.reportsReceived.inc('invalid');
      refuse(res, 400, parsed.error);
      return;
    }
    metrics.reportsReceived.inc('accepted');
    recordReport(metrics, parsed.report);
    res.status(202).set('Cache-Control', 'no-store').json({ accepted: true });
  });
  return router;
}

function refuse(
  res: express.Response,
  status: number,
  error: string,
  headers: Record<string, string> = {},
): void {
  res
    .status(status)
    .set({ 'Cache-Control': 'no-store', ...headers })
    .json({ error });
}
