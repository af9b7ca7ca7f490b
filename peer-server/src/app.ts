import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import express, { type ErrorRequestHandler } from 'express';
import { ExpressPeerServer, type IClient } from 'peer';
import { WebSocketServer, type WebSocket } from 'ws';
import { ID_PATTERN } from '../../src/call/ids.js';
import type { DiyalogConfig } from './config.js';
import { guardFrames } from './frame-guard.js';
import { joinPage } from './join-page.js';
import { jsonLogger, type Logger } from './log.js';
import { securityHeaders } from './security-headers.js';

export interface DiyalogServerOptions {
  /** Where log lines go; defaults to JSON lines on stdout. Pass `silentLogger` in tests. */
  readonly log?: Logger;
}

export interface DiyalogServer {
  readonly httpServer: Server;
  /** Starts listening; with port 0 the result holds the port the OS picked. */
  listen(): Promise<{ url: string; port: number }>;
  /** Closes every WebSocket (1001) and the HTTP server. */
  close(): Promise<void>;
}

/** The PeerJS WebSocket path: ExpressPeerServer mounted at /signal with path '/' appends 'peerjs'. */
const SIGNAL_PATH = '/signal/peerjs';

export function createDiyalogServer(
  config: DiyalogConfig,
  options: DiyalogServerOptions = {},
): DiyalogServer {
  const log = options.log ?? jsonLogger;
  const startedAt = Date.now();
  /** Ids of registered PeerJS clients; a call's host registers the room id as its id. */
  const peers = new Set<string>();

  const app = express();
  const httpServer = createServer(app);
  // Detached, so that we route upgrades: a second server attached to httpServer would break both.
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.maxFrameBytes });
  const peerApp = ExpressPeerServer(httpServer, {
    path: '/',
    key: config.peerKey,
    allow_discovery: false,
    createWebSocketServer: () => wss,
  });

  peerApp.on('connection', (client: IClient) => {
    peers.add(client.getId());
    log({ event: 'peer-connected', id: client.getId() });
  });
  peerApp.on('disconnect', (client: IClient) => {
    peers.delete(client.getId());
    log({ event: 'peer-disconnected', id: client.getId() });
  });
  // Without this listener one bad frame or socket error throws out of an EventEmitter and ends the process.
  peerApp.on('error', (error: Error) => {
    // Socket errors (oversized frames, protocol violations) were already logged with the peer id below.
    if (!isWsProtocolError(error)) log({ event: 'peer-error', reason: error.name });
  });

  app.disable('x-powered-by');
  app.use(securityHeaders);
  app.get('/health', (_req, res) => {
    const uptimeSeconds = Math.floor((Date.now() - startedAt) / 1000);
    res.set('Cache-Control', 'no-store').json({ status: 'ok', peers: peers.size, uptimeSeconds });
  });
  app.get('/api/rooms/:room', (req, res) => {
    const { room } = req.params;
    res.set('Cache-Control', 'no-store');
    if (!ID_PATTERN.test(room)) res.status(400).json({ error: 'invalid room id' });
    else res.json({ waiting: peers.has(room) });
  });
  app.use('/join', joinPage(config.joinDir));
  // peer bundles Express 4, whose app type Express 5's `use` does not accept; mounting works (field notes).
  app.use('/signal', peerApp as unknown as express.Express);
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('Not found\n');
  });
  app.use(errorHandler(log));

  httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = parseRequestUrl(req);
    if (url?.pathname !== SIGNAL_PATH) {
      socket.on('error', () => {}); // the client may already be gone; nothing to report
      socket.once('finish', () => socket.destroy());
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const id = url.searchParams.get('id') ?? '';
      guardFrames(ws, (reason) => log({ event: 'frame-rejected', id, reason }));
      ws.on('error', (error) => log({ event: 'frame-rejected', id, reason: wsErrorReason(error) }));
      wss.emit('connection', ws, req);
    });
  });

  return {
    httpServer,
    listen: () =>
      new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.port, config.host, () => {
          httpServer.off('error', reject);
          const { address, port } = httpServer.address() as AddressInfo;
          const url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
          log({ event: 'server-started', url, publicUrl: config.publicUrl });
          resolve({ url, port });
        });
      }),
    close: async () => {
      wss.close(); // from here on, upgrades get 503
      await Promise.all([...wss.clients].map((ws) => closeSocket(ws)));
      if (httpServer.listening) {
        const closed = new Promise<void>((resolve, reject) =>
          httpServer.close((error) => (error ? reject(error) : resolve())),
        );
        httpServer.closeAllConnections();
        await closed;
      }
      // peer 1.0.2 also starts two timer loops on mount that it offers no way to stop; they hold no sockets.
      log({ event: 'server-stopped' });
    },
  };
}

function parseRequestUrl(req: IncomingMessage): URL | undefined {
  try {
    return new URL(req.url ?? '/', 'http://localhost');
  } catch {
    return undefined;
  }
}

/** Says goodbye with 1001, and stops waiting for the client's reply after a second. */
function closeSocket(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => ws.terminate(), 1000);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    ws.close(1001, 'server shutting down');
  });
}

function wsErrorReason(error: Error): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return 'frame-too-large';
  return typeof code === 'string' ? code : error.name;
}

function isWsProtocolError(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('WS_ERR_');
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
