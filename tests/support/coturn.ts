import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort, stopProcess } from './redis.js';

export interface RunningCoturn {
  /** The TURN listening port on 127.0.0.1 (UDP and TCP). */
  readonly port: number;
  /** `turn:127.0.0.1:<port>?transport=udp`, ready for TURN_URLS. */
  readonly turnUrl: string;
  readonly realm: string;
  /** Everything coturn printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

const RELAY_PORTS = 20;

/**
 * Debian's coturn on loopback with a static auth secret, as shared/FIELD-NOTES.md measured it: `-n` ignores
 * /etc/turnserver.conf, `--allow-loopback-peers` lets loopback relays through, and the SQLite user DB and pid
 * file live in a temp dir. Resolves once it answers a STUN binding request.
 */
export async function startCoturn(secret: string, realm = 'diyalog.test'): Promise<RunningCoturn> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freeLoopbackPort();
    const relay = await freeUdpRange(RELAY_PORTS, port);
    const dir = await mkdtemp(join(tmpdir(), 'diyalog-coturn-'));
    const child = spawn(
      'turnserver',
      [
        '-n',
        '--no-cli',
        '--listening-ip=127.0.0.1',
        `--listening-port=${port}`,
        '--relay-ip=127.0.0.1',
        `--min-port=${relay}`,
        `--max-port=${relay + RELAY_PORTS - 1}`,
        '--use-auth-secret',
        `--static-auth-secret=${secret}`,
        `--realm=${realm}`,
        '--no-tls',
        '--no-dtls',
        '--log-file=stdout',
        '--simple-log',
        '--fingerprint',
        '--allow-loopback-peers',
        `--userdb=${join(dir, 'turndb')}`,
        `--pidfile=${join(dir, 'turnserver.pid')}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const stop = async () => {
      await stopProcess(child);
      await rm(dir, { recursive: true, force: true });
    };
    try {
      const deadline = Date.now() + 5000;
      while (!(await stunAnswers(port))) {
        if (child.exitCode !== null) throw new Error(`turnserver exited with ${child.exitCode}`);
        if (Date.now() > deadline) throw new Error('turnserver did not answer STUN within 5 s');
      }
      return { port, turnUrl: `turn:127.0.0.1:${port}?transport=udp`, realm, output: () => output, stop };
    } catch (error) {
      lastError = new Error(`${(error as Error).message}\n${output}`);
      await stop();
    }
  }
  throw lastError;
}

/** Whether a STUN Binding Request to 127.0.0.1:port gets a Binding Success Response within 200 ms. */
function stunAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const transaction = randomBytes(12);
    // RFC 5389 header: type 0x0001 (Binding Request), length 0, magic cookie, transaction id.
    const request = Buffer.concat([
      Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]),
      transaction,
    ]);
    const done = (answered: boolean) => {
      clearTimeout(timer);
      socket.close();
      resolve(answered);
    };
    const timer = setTimeout(() => done(false), 200);
    socket.on('error', () => done(false));
    socket.on('message', (message) =>
      done(message.readUInt16BE(0) === 0x0101 && message.subarray(8, 20).equals(transaction)),
    );
    socket.send(request, port, '127.0.0.1');
  });
}

/** `count` consecutive UDP ports that are free on 127.0.0.1 right now, away from `avoid`. */
async function freeUdpRange(count: number, avoid: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 40_000 + Math.floor(Math.random() * 20_000);
    if (avoid >= base && avoid < base + count) continue;
    if (await allUdpFree(base, count)) return base;
  }
  throw new Error(`no ${count} consecutive free UDP ports found`);
}

async function allUdpFree(base: number, count: number): Promise<boolean> {
  const sockets = Array.from({ length: count }, () => createSocket('udp4'));
  const results = await Promise.all(
    sockets.map(
      (socket, i) =>
        new Promise<boolean>((resolve) => {
          socket.once('error', () => resolve(false));
          socket.bind(base + i, '127.0.0.1', () => resolve(true));
        }),
    ),
  );
  await Promise.all(
    sockets.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve())).catch(() => {})),
  );
  return results.every(Boolean);
}
