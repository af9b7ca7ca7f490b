import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import express, { type ErrorRequestHandler } from 'express';
import { WebSocketServer } from 'ws';
import { iceServersApi } from './api/ice-servers.js';
import { peerjsApi } from './api/peerjs.js';
import { reportsApi, type ReportsLimits } from './api/reports.js';
import { roomsApi } from './api/rooms.js';
import type { DiyalogConfig } from './config.js';
import type { Cluster } from './cluster/cluster.js';
import { createCluster } from './cluster/create-cluster.js';
import { guardConnections } from './connection-guard.js';
import { joinPage, joinPageElsewhere } from './join-page.js';
import { errorReason, jsonLogger, withHashedIds, type Logger } from './log.js';
import { createMetrics, renderMetrics, type ServerMetrics } from './metrics.js';
import { corsFor, OriginPolicy } from './origin.js';
import { securityHeaders } from './security-headers.js';
import { selectSubprotocol } from './signal/admission.js';
import { Rooms } from './signal/rooms.js';
import { createSignalServer } from './signal/signal-server.js';
import { createRoomStore } from './store/create-room-store.js';
import type { RoomStore } from './store/room-store.js';

export interface DiyalogServerOptions {
  /**
   * Where log lines go; defaults to JSON lines on stdout with ids as keyed hashes (LOG_ID_KEY). Pass
   * `silentLogger` in tests.
   */
  readonly log?: Logger;
  /** Room state; defaults to Redis when `config.redisUrl` is set, else memory. */
  readonly store?: RoomStore;
  /** Peer directory, bus and presence; defaults to Redis when `config.redisUrl` is set, else memory. */
  readonly cluster?: Cluster;
  /** Limits of POST /api/reports; defaults to DEFAULT_REPORTS_LIMITS. */
  readonly reportsLimits?: ReportsLimits;
}

export interface DiyalogServer {
  readonly httpServer: Server;
  /** Counters behind `GET /metrics`, for tests and benchmarks in the same process. */
  readonly metrics: ServerMetrics;
  /** Opens the room store, then listens; with port 0 the result holds the port the OS picked. */
  listen(): Promise<{ url: string; port: number }>;
  /** Tells every peer (ERROR server-shutting-down, close 1001), closes the store and the HTTP server. */
  close(): Promise<void>;
}

/** The PeerJS WebSocket path: the PeerJS client appends `peerjs` to its `path` option (`/signal`). */
const SIGNAL_PATH = '/signal/peerjs';
/** TCP connections an address may hold beyond MAX_CONNECTIONS_PER_IP (see guardConnections above). */
const TCP_HEADROOM_PER_IP = 8;

export function createDiyalogServer(
  config: DiyalogConfig,
  options: DiyalogServerOptions = {},
): DiyalogServer {
  const log = options.log ?? withHashedIds(jsonLogger, config.logIdKey);
  const startedAt = Date.now();
  const metrics = createMetrics();
  const storeError = (operation: string, error: unknown) =>
    log({ event: 'store-error', operation, reason: errorReason(error) });
  const store = options.store ?? createRoomStore(config, (error) => storeError('connection', error));
  const rooms = new Rooms(store, config.roomTtlSeconds, storeError);
  const cluster =
    options.cluster ??
    createCluster(config, {
      onDown: (error) => log({ event: 'cluster-degraded', reason: errorReason(error) }),
      onBadMessage: () => metrics.busMessagesRejected.inc(),
    });
  const signal = createSignalServer({ config, log, metrics, rooms, cluster });
  const ownOrigins = [config.publicUrl, ...(config.joinPageUrl ? [config.joinPageUrl] : [])];
  const origins = new OriginPolicy(
    ownOrigins.map((url) => new URL(url).origin),
    config.allowedOrigins,
  );
  const cors = corsFor(origins);
  let closing = false;
  let closed: Promise<void> | undefined;

  const app = express();
  const httpServer = createServer(app);
  // Detached, so that we route upgrades ourselves (path, Origin) before any WebSocket exists.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: config.maxFrameBytes,
    handleProtocols: selectSubprotocol,
  });
  // Counted at TCP accept: per address a little over the WebSocket cap (room to refuse one in words, and
  // for the join page's own requests), plus a server-wide cap. Behind a proxy every client shares its
  // address, so then only the WebSocket count (by X-Forwarded-For) applies per client.
  guardConnections(
    httpServer,
    {
      perIp: config.trustProxy > 0 ? 0 : config.maxConnectionsPerIp + TCP_HEADROOM_PER_IP,
      total: config.maxConnections,
    },
    (reason) => metrics.connectionsRejected.inc(reason),
  );
  // A client that opens a connection and sends its request slowly (or never) holds it only this long.
  httpServer.headersTimeout = 10_000;
  httpServer.requestTimeout = 30_000;

  app.disable('x-powered-by');
  app.use(securityHeaders);
  app.get('/health', (_req, res) => {
    const uptimeSeconds = Math.floor((Date.now() - startedAt) / 1000);
    // Degraded: Redis is away; peers on this instance are served, peers on others are out of reach.
    const status = cluster.healthy ? 'ok' : 'degraded';
    const instance = cluster.distributed ? { instance: cluster.instanceId } : {};
    res
      .set('Cache-Control', 'no-store')
      .json({ status, peers: signal.peerCount, uptimeSeconds, ...instance });
  });
  app.get('/metrics', (_req, res) => {
    res
      .set('Cache-Control', 'no-store')
      .type('text/plain; version=0.0.4')
      .send(
        renderMetrics(
          metrics,
          { peers: signal.peerCount, rooms: rooms.activeHere, ...clusterGauges(cluster) },
          cluster.distributed ? cluster.instanceId : undefined,
        ),
      );
  });
  app.use('/api/rooms', cors, roomsApi(signal, rooms, log));
  app.use('/api/ice-servers', cors, iceServersApi(config, signal, metrics));
  app.use('/api/reports', cors, reportsApi(metrics.reports, config.trustProxy, options.reportsLimits));
  // With JOIN_PAGE_URL the page comes from elsewhere: this server never serves code that reads a secret.
  if (config.joinPageUrl) app.use('/join', joinPageElsewhere(config.joinPageUrl));
  else app.use('/join', joinPage(config.joinDir, config.publicUrl));
  app.use('/signal', cors, peerjsApi());
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('Not found\n');
  });
  app.use(errorHandler(log));

  httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', ignoreSocketError);
    const url = parseRequestUrl(req);
    if (url?.pathname !== SIGNAL_PATH) return refuseUpgrade(socket, 404, 'Not Found');
    if (closing) {
      metrics.connectionsRejected.inc('shutting-down');
      return refuseUpgrade(socket, 503, 'Service Unavailable');
    }
    if (!origins.allows(req.headers.origin)) {
      metrics.connectionsRejected.inc('origin-not-allowed');
      log({ event: 'connection-rejected', reason: 'origin-not-allowed' });
      return refuseUpgrade(socket, 403, 'Forbidden');
    }
    wss.handleUpgrade(req, socket, head, (ws) => signal.accept(ws, req, url));
  });

  return {
    httpServer,
    metrics,
    listen: async () => {
      await store.open();
      await cluster.open();
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.port, config.host, () => {
          httpServer.off('error', reject);
          const { address, port } = httpServer.address() as AddressInfo;
          const url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
          origins.addOwnOrigin(url);
          // Browsers name loopback `localhost` as often as 127.0.0.1.
          if (['127.0.0.1', '::1'].includes(address)) origins.addOwnOrigin(`http://localhost:${port}`);
          log({
            event: 'server-started',
            url,
            publicUrl: config.publicUrl,
            store: store.kind,
            ...(cluster.distributed ? { instance: cluster.instanceId } : {}),
          });
          resolve({ url, port });
        });
      });
    },
    close: () => (closed ??= shutDown()),
  };

  async function shutDown(): Promise<void> {
    closing = true; // from here on, upgrades get 503
    log({ event: 'server-stopping', peers: signal.peerCount });
    await signal.close();
    await store.close();
    if (httpServer.listening) {
      const stopped = new Promise<void>((resolve, reject) =>
        httpServer.close((error) => (error ? reject(error) : resolve())),
      );
      httpServer.closeAllConnections();
      await stopped;
    }
    log({ event: 'server-stopped' });
  }
}

function clusterGauges(cluster: Cluster) {
  return cluster.distributed ? { redisUp: cluster.healthy ? 1 : 0 } : {};
}

function parseRequestUrl(req: IncomingMessage): URL | undefined {
  try {
    return new URL(req.url ?? '/', 'http://localhost');
  } catch {
    return undefined;
  }
}

function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** Plain-text errors: Express's default handler would show stack traces outside production. */
function errorHandler(log: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) return next(error);
    const status = (error as { status?: unknown }).status;
    const code = typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
    if (code >= 500)
      log({ event: 'http-error', status: code, reason: error instanceof Error ? error.name : 'unknown' });
    res
      .status(code)
      .type('text/plain')
      .send(code === 404 ? 'Not found\n' : 'Something went wrong\n');
  };
}

/**
 * The client may already be gone; nothing to report. Module-level on purpose: a closure created in the
 * upgrade handler would share its context with the accept callback and keep every connection's request
 * and URL alive for the socket's lifetime (~1.8 KB per peer, measured with heap snapshots).
 */
function ignoreSocketError(): void {}
