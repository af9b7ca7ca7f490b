import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import {
  createDiyalogServer,
  type DiyalogServer,
  type DiyalogServerOptions,
} from '../../peer-server/src/app.js';
import { loadConfig, type DiyalogConfig } from '../../peer-server/src/config.js';
import type { LogEntry } from '../../peer-server/src/log.js';
import { newId } from '../../src/call/ids.js';

export const FAKE_JOIN_HTML =
  '<!doctype html><title>fake join page</title><script src="/join/assets/app-1a2b3c.js"></script>';
export const FAKE_ASSET = 'console.log("fake asset");';

/** A temporary JOIN_DIR shaped like the Vite build, so tests do not depend on `npm run build`. */
export async function makeJoinDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'diyalog-join-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'join.html'), FAKE_JOIN_HTML);
  await writeFile(join(dir, 'assets', 'app-1a2b3c.js'), FAKE_ASSET);
  await writeFile(join(dir, 'assets', 'sha256-worker-DJm8z6ny.js'), FAKE_ASSET);
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface RunningServer {
  readonly server: DiyalogServer;
  readonly url: string;
  readonly port: number;
  readonly logs: LogEntry[];
}

/** Starts a server on an ephemeral loopback port, collecting its log lines instead of printing them. */
export async function startServer(
  overrides: Partial<DiyalogConfig> = {},
  options: Omit<DiyalogServerOptions, 'log'> = {},
): Promise<RunningServer> {
  const config = { ...loadConfig({}, []), port: 0, host: '127.0.0.1', ...overrides };
  const logs: LogEntry[] = [];
  const server = createDiyalogServer(config, { ...options, log: (entry) => logs.push(entry) });
  const { url, port } = await server.listen();
  return { server, url, port, logs };
}

export interface ServerMessage {
  readonly type: string;
  readonly src?: string;
  readonly dst?: string;
  readonly payload?: unknown;
}

export interface ConnectOptions {
  /**
   * Joins this room on registration (`room=` in the socket URL), presenting its admission token (made with
   * `newRoom()`, or ROOM's) in a subprotocol, as our client does.
   */
  readonly room?: string;
  /** The admission token to present instead of the room's own; null presents none. */
  readonly admission?: string | null;
  /** Presents the token in a `token.` subprotocol instead of the query string (our client's way). */
  readonly tokenInProtocol?: boolean;
  /** The Origin header a browser would send; none by default, like any non-browser client. */
  readonly origin?: string;
}

/** A raw PeerJS-protocol client: the frames it receives, queued for `next()`. */
export class RawClient {
  readonly messages: ServerMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Socket errors (e.g. a reset after the server closed us); kept so that they do not throw. */
  readonly errors: Error[] = [];
  #waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('error', (error) => this.errors.push(error));
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)) as ServerMessage);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
  }

  /** Connects as `id` and resolves once the server has said OPEN. */
  static async register(
    port: number,
    id: string,
    token = `token-${id}`,
    key = 'peerjs',
    options: ConnectOptions = {},
  ): Promise<RawClient> {
    const client = RawClient.connect(port, id, token, key, options);
    const first = await client.next();
    if (first.type !== 'OPEN') throw new Error(`expected OPEN for ${id}, got ${JSON.stringify(first)}`);
    return client;
  }

  /** Connects without waiting for the server's first message. */
  static connect(
    port: number,
    id: string,
    token = `token-${id}`,
    key = 'peerjs',
    options: ConnectOptions = {},
  ): RawClient {
    const query = new URLSearchParams({
      key,
      id,
      ...(options.tokenInProtocol ? {} : { token }),
      ...(options.room ? { room: options.room } : {}),
    });
    const headers = options.origin === undefined ? {} : { Origin: options.origin };
    const admission =
      options.admission === null
        ? undefined
        : (options.admission ?? (options.room ? ADMISSIONS.get(options.room) : undefined));
    const protocols = [
      ...(options.tokenInProtocol ? [`token.${token}`] : []),
      ...(admission === undefined ? [] : [`admission.${admission}`]),
    ];
    const url = `ws://127.0.0.1:${port}/signal/peerjs?${query}`;
    if (protocols.length === 0) return new RawClient(new WebSocket(url, { headers }));
    return new RawClient(new WebSocket(url, ['diyalog.v1', ...protocols], { headers }));
  }

  send(frame: string | Buffer | object): void {
    this.ws.send(typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame));
  }

  /** The next message not read yet, failing after `timeoutMs` with a message that says what was awaited. */
  async next(timeoutMs = 3000): Promise<ServerMessage> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no message within ${timeoutMs} ms (socket state ${this.ws.readyState})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.messages.shift()!;
  }

  /** The close code and reason, failing if the server has not closed the socket within `timeoutMs`. */
  async closedWithin(timeoutMs = 3000): Promise<{ code: number; reason: string }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`socket still open after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes politely, or drops the connection if the server has not answered within a second. */
  close(): Promise<unknown> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    if (this.ws.isPaused) this.ws.resume(); // a paused socket would never read the server's close reply
    this.ws.close();
    const timer = setTimeout(() => this.ws.terminate(), 1000);
    return this.closed.finally(() => clearTimeout(timer));
  }
}

/** Polls until `check` holds; for state the server changes asynchronously (e.g. after a socket closes). */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 3000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The room an admission token opens (src/call/admission.ts does the same with WebCrypto). */
export function roomForAdmission(admission: string): string {
  return createHash('sha256').update(admission).digest('base64url').slice(0, 22);
}

/** Admission tokens of the rooms tests made, so that RawClient presents them by itself. */
const ADMISSIONS = new Map<string, string>();

/** A fresh room (a hash of a fresh admission token), remembered for RawClient. */
export function newRoom(admission = newId()): string {
  const room = roomForAdmission(admission);
  ADMISSIONS.set(room, admission);
  return room;
}

export function admissionOf(room: string): string {
  const admission = ADMISSIONS.get(room);
  if (admission === undefined) throw new Error(`no admission token known for room ${room}`);
  return admission;
}

/** `Authorization: Admission <token>` for a room made here (GET /api/rooms/:room). */
export function admissionHeaders(room: string): { Authorization: string } {
  return { Authorization: `Admission ${admissionOf(room)}` };
}

export const ROOM = newRoom('AbCdEfGhIjKlMnOpQrStU_'); // 22 characters of the room-id alphabet
export const OTHER_ROOM = newRoom('ZyXwVuTsRqPoNmLkJiHgF-');

/** Our Chrome extension's origin (fixed by the manifest key). */
export const EXTENSION_ORIGIN = 'chrome-extension://bgmhambpgpejnbihikfcjmliocfnoidh';

/** Resolves with the HTTP status of a refused upgrade, or 101 when the socket opened. */
export function upgradeStatus(ws: WebSocket): Promise<number | undefined> {
  return new Promise((resolve) => {
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode));
    ws.on('open', () => resolve(101));
    ws.on('error', () => resolve(undefined));
  });
}

/** Parses Prometheus text format into `name{labels}` → value, checking every line's syntax on the way. */
export function parseMetrics(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const match =
      /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*")*\})?) (-?[0-9.e+]+)$/.exec(
        line,
      );
    if (!match) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
    values.set(match[1]!, Number(match[2]));
  }
  return values;
}
