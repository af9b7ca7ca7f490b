import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface DiyalogConfig {
  readonly port: number;
  readonly host: string;
  /** The base URL of links the server hands out (no trailing slash). */
  readonly publicUrl: string;
  /** The PeerJS `key` query parameter; a shared string, not authentication. */
  readonly peerKey: string;
  /** Largest WebSocket frame accepted; a bigger one closes that socket with 1009. */
  readonly maxFrameBytes: number;
  /** The built join page: `join.html` and `assets/`. */
  readonly joinDir: string;
  /**
   * Where the join page is served instead, from another (static) origin, when set: this server then only
   * relays (no page of its own can read a link's secret), and that origin may use the socket and the API.
   */
  readonly joinPageUrl: string | undefined;
  /** Most members a room holds at once; a mesh call gets heavy beyond a handful. */
  readonly roomCapacity: number;
  /** A room nobody has been active in for this long is forgotten. */
  readonly roomTtlSeconds: number;
  /** Where room state lives when set (`redis://…`); otherwise it stays in this process's memory. */
  readonly redisUrl: string | undefined;
  /** STUN/TURN URLs handed to registered peers (`stun:`, `turn:`, `turns:`). */
  readonly turnUrls: readonly string[];
  /** coturn's `static-auth-secret`; required when `turnUrls` has a TURN URL. */
  readonly turnSecret: string | undefined;
  /** How long TURN credentials stay valid. */
  readonly turnTtlSeconds: number;
  /** How long clients try to bring a broken call back before they say "Connection lost". */
  readonly reconnectLimitSeconds: number;
  readonly maxConnectionsPerIp: number;
  /** TCP connections the whole server holds; one more is closed at accept. */
  readonly maxConnections: number;
  /** Bytes waiting for readers that lag, all sockets together. */
  readonly maxBufferedBytes: number;
  /** A reader this long over its share of buffered bytes has stopped reading and is closed. */
  readonly stuckReaderSeconds: number;
  /** TURN credentials one client address may get per hour. */
  readonly turnQuotaPerIp: number;
  /** Key for the hashes that stand for room and peer ids in logs; random per process when unset. */
  readonly logIdKey: string | undefined;
  /** Token bucket per connection: sustained messages per second… */
  readonly rateLimitPerSecond: number;
  /** …and how many may come at once. */
  readonly rateLimitBurst: number;
  /** Origins allowed besides our extension, any Firefox extension and our own origin. */
  readonly allowedOrigins: readonly string[];
  /** How many reverse proxies in front of us append to X-Forwarded-For (0: use the socket's address). */
  readonly trustProxy: number;
  /** This instance's name among several on one Redis (directory, presence, `/metrics` labels). */
  readonly instanceId: string;
  /**
   * How often an instance on Redis says it is alive and refreshes its room members' last-seen times; one
   * silent for 3 beats is dead and its members leave their rooms at the next beat of any live instance.
   */
  readonly clusterHeartbeatMs: number;
}

/** A configuration problem a person can fix; main.ts prints the message without a stack. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const SETTINGS = [
  'PORT',
  'HOST',
  'PUBLIC_URL',
  'PEER_KEY',
  'MAX_FRAME_BYTES',
  'JOIN_DIR',
  'JOIN_PAGE_URL',
  'ROOM_CAPACITY',
  'ROOM_TTL_SECONDS',
  'REDIS_URL',
  'TURN_URLS',
  'TURN_SECRET',
  'TURN_TTL',
  'RECONNECT_LIMIT_SECONDS',
  'MAX_CONNECTIONS_PER_IP',
  'MAX_CONNECTIONS',
  'MAX_BUFFERED_BYTES',
  'STUCK_READER_SECONDS',
  'TURN_QUOTA_PER_IP',
  'LOG_ID_KEY',
  'RATE_LIMIT_PER_SECOND',
  'RATE_LIMIT_BURST',
  'ALLOWED_ORIGINS',
  'TRUST_PROXY',
  'INSTANCE_ID',
  'CLUSTER_HEARTBEAT_MS',
] as const;
type Setting = (typeof SETTINGS)[number];

/** Reads the config from env, overridden by `--port=9000`-style flags (one per setting, kebab-case). */
export function loadConfig(
  env: Env = process.env,
  argv: readonly string[] = process.argv.slice(2),
): DiyalogConfig {
  const values: Partial<Record<Setting, string>> = {};
  for (const name of SETTINGS) {
    const value = env[name];
    if (value !== undefined && value !== '') values[name] = value;
  }
  for (const arg of argv) {
    const match = /^--([a-z-]+)=(.*)$/s.exec(arg);
    const name = match?.[1]?.toUpperCase().replaceAll('-', '_');
    const setting = SETTINGS.find((s) => s === name);
    if (!match || !setting) {
      const flags = SETTINGS.map((s) => `--${s.toLowerCase().replaceAll('_', '-')}=…`).join(', ');
      throw new ConfigError(`Unknown argument "${arg}". Expected flags: ${flags}.`);
    }
    values[setting] = match[2] ?? '';
  }

  const port = parseInteger('PORT', values.PORT ?? '9000', 0, 65_535);
  const host = nonEmpty('HOST', values.HOST ?? '127.0.0.1');
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const turnUrls = parseTurnUrls(values.TURN_URLS ?? '');
  const turnSecret =
    values.TURN_SECRET === undefined ? undefined : nonEmpty('TURN_SECRET', values.TURN_SECRET);
  const hasTurn = turnUrls.some((url) => /^turns?:/.test(url));
  if (hasTurn && turnSecret === undefined)
    throw new ConfigError(
      'TURN_URLS has a turn: URL, so TURN_SECRET (coturn static-auth-secret) must be set.',
    );
  if (!hasTurn && turnSecret !== undefined)
    throw new ConfigError('TURN_SECRET is set, but TURN_URLS has no turn: or turns: URL to use it with.');
  const rateLimitPerSecond = parseInteger(
    'RATE_LIMIT_PER_SECOND',
    values.RATE_LIMIT_PER_SECOND ?? '50',
    1,
    1e6,
  );
  const rateLimitBurst = parseInteger('RATE_LIMIT_BURST', values.RATE_LIMIT_BURST ?? '200', 1, 1e6);
  return {
    port,
    host,
    publicUrl: parseBaseUrl('PUBLIC_URL', values.PUBLIC_URL ?? `http://${urlHost}:${port}`),
    peerKey: nonEmpty('PEER_KEY', values.PEER_KEY ?? 'peerjs'),
    // Below ~1 KiB even one SDP offer would not fit.
    maxFrameBytes: parseInteger(
      'MAX_FRAME_BYTES',
      values.MAX_FRAME_BYTES ?? '65536',
      1024,
      100 * 1024 * 1024,
    ),
    joinDir: resolve(values.JOIN_DIR ?? resolve(REPO_ROOT, 'dist-web/join')),
    joinPageUrl:
      values.JOIN_PAGE_URL === undefined || values.JOIN_PAGE_URL === ''
        ? undefined
        : parseBaseUrl('JOIN_PAGE_URL', values.JOIN_PAGE_URL),
    roomCapacity: parseInteger('ROOM_CAPACITY', values.ROOM_CAPACITY ?? '6', 2, 1000),
    // At least a minute: connected members refresh their room on a fraction of this, heartbeats every 5 s.
    roomTtlSeconds: parseInteger('ROOM_TTL_SECONDS', values.ROOM_TTL_SECONDS ?? '3600', 60, 30 * 86_400),
    redisUrl: values.REDIS_URL === undefined ? undefined : parseRedisUrl(values.REDIS_URL),
    turnUrls,
    turnSecret,
    // Clients refresh at half-life, so a short life costs little and bounds what a leaked credential buys.
    turnTtlSeconds: parseInteger('TURN_TTL', values.TURN_TTL ?? '600', 60, 7 * 86_400),
    reconnectLimitSeconds: parseInteger(
      'RECONNECT_LIMIT_SECONDS',
      values.RECONNECT_LIMIT_SECONDS ?? '60',
      5,
      3600,
    ),
    maxConnectionsPerIp: parseInteger(
      'MAX_CONNECTIONS_PER_IP',
      values.MAX_CONNECTIONS_PER_IP ?? '50',
      1,
      1e6,
    ),
    maxConnections: parseInteger('MAX_CONNECTIONS', values.MAX_CONNECTIONS ?? '10000', 1, 1e6),
    maxBufferedBytes: parseInteger(
      'MAX_BUFFERED_BYTES',
      values.MAX_BUFFERED_BYTES ?? String(64 * 1024 * 1024),
      1024 * 1024,
      16 * 1024 * 1024 * 1024,
    ),
    stuckReaderSeconds: parseInteger('STUCK_READER_SECONDS', values.STUCK_READER_SECONDS ?? '5', 1, 300),
    turnQuotaPerIp: parseInteger('TURN_QUOTA_PER_IP', values.TURN_QUOTA_PER_IP ?? '60', 1, 1e6),
    logIdKey: values.LOG_ID_KEY === undefined ? undefined : nonEmpty('LOG_ID_KEY', values.LOG_ID_KEY),
    rateLimitPerSecond,
    rateLimitBurst,
    allowedOrigins: parseOrigins(values.ALLOWED_ORIGINS ?? ''),
    trustProxy: parseInteger('TRUST_PROXY', values.TRUST_PROXY ?? '0', 0, 10),
    instanceId: parseInstanceId(values.INSTANCE_ID),
    // At most 10 s: 3 beats of silence plus one beat of the reaper stay within 30 s (README, "Several instances").
    clusterHeartbeatMs: parseInteger(
      'CLUSTER_HEARTBEAT_MS',
      values.CLUSTER_HEARTBEAT_MS ?? '5000',
      100,
      10_000,
    ),
  };
}

/** Unique per process by default: a restarted instance is a new one, and the old one's members go. */
function parseInstanceId(text: string | undefined): string {
  if (text === undefined) {
    const host =
      hostname()
        .replace(/[^A-Za-z0-9_.-]/g, '')
        .slice(0, 40) || 'host';
    return `${host}-${process.pid}-${randomBytes(3).toString('hex')}`;
  }
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(text.trim()))
    throw new ConfigError(`INSTANCE_ID must be 1–64 letters, digits, ".", "_" or "-", got "${text}".`);
  return text.trim();
}

function parseInteger(name: Setting, text: string, min: number, max: number): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${text}".`);
  }
  return value;
}

function nonEmpty(name: Setting, text: string): string {
  if (text.trim() === '') throw new ConfigError(`${name} must not be empty.`);
  return text.trim();
}

function commaList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** PUBLIC_URL and JOIN_PAGE_URL: an http(s) base URL, without its trailing slashes. */
function parseBaseUrl(name: Setting, text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`${name} must be an absolute URL like https://calls.example.org, got "${text}".`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${name} must start with http:// or https://, got "${text}".`);
  }
  if (url.search !== '' || url.hash !== '')
    throw new ConfigError(`${name} must not have a query or fragment.`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** The value may hold a password, so messages never repeat it. */
function parseRedisUrl(text: string): string {
  if (!/^rediss?:\/\/[^\s]+$/.test(text.trim()))
    throw new ConfigError('REDIS_URL must look like redis://host:6379 or rediss://user:password@host:6380.');
  return text.trim();
}

/** RFC 7064/7065 URIs as RTCIceServer accepts them, e.g. turn:turn.example.org:3478?transport=udp. */
function parseTurnUrls(text: string): string[] {
  const urls = commaList(text);
  for (const url of urls) {
    if (!/^(stuns?|turns?):[^\s/?#][^\s]*$/.test(url))
      throw new ConfigError(
        `TURN_URLS entries must look like stun:host:3478 or turn:host:3478?transport=udp, got "${url}".`,
      );
  }
  return urls;
}

/** Origins as browsers send them: scheme://host[:port], lowercase, no path. */
function parseOrigins(text: string): string[] {
  return commaList(text).map((origin) => {
    if (!/^[a-z][a-z0-9+.-]*:\/\/[^/\s?#]+$/i.test(origin))
      throw new ConfigError(
        `ALLOWED_ORIGINS entries must be origins like https://app.example.org (no path), got "${origin}".`,
      );
    return origin.toLowerCase();
  });
}
