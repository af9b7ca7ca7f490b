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
}

/** A configuration problem a person can fix; main.ts prints the message without a stack. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const SETTINGS = ['PORT', 'HOST', 'PUBLIC_URL', 'PEER_KEY', 'MAX_FRAME_BYTES', 'JOIN_DIR'] as const;
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
  return {
    port,
    host,
    publicUrl: parsePublicUrl(values.PUBLIC_URL ?? `http://${urlHost}:${port}`),
    peerKey: nonEmpty('PEER_KEY', values.PEER_KEY ?? 'peerjs'),
    // Below ~1 KiB even one SDP offer would not fit.
    maxFrameBytes: parseInteger(
      'MAX_FRAME_BYTES',
      values.MAX_FRAME_BYTES ?? '65536',
      1024,
      100 * 1024 * 1024,
    ),
    joinDir: resolve(values.JOIN_DIR ?? resolve(REPO_ROOT, 'dist-web/join')),
  };
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

function parsePublicUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(
      `PUBLIC_URL must be an absolute URL like https://calls.example.org, got "${text}".`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`PUBLIC_URL must start with http:// or https://, got "${text}".`);
  }
  if (url.search !== '' || url.hash !== '')
    throw new ConfigError(`PUBLIC_URL must not have a query or fragment.`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
