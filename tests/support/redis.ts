import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunningRedis {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** The redis-server process (the benchmark pins it to a CPU and reads its CPU time). */
  readonly pid: number;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

/** A port the OS just handed out on loopback; someone else may take it before we do, hence the retries. */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Debian's redis-server on a free loopback port, in memory only (no RDB snapshots, no AOF) with a temp
 * working directory, on `options.port` if given. Throws if Redis does not answer PING within a few seconds.
 */
export async function startRedis(options: { port?: number } = {}): Promise<RunningRedis> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    // A given port (a restart where the clients expect it) is retried: the old one may linger a moment.
    const port = options.port ?? (await freeLoopbackPort());
    const dir = await mkdtemp(join(tmpdir(), 'diyalog-redis-'));
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await waitForPong(port, child, 5000);
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        pid: child.pid!,
        stop: async () => {
          await stopProcess(child);
          await rm(dir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      lastError = new Error(`redis-server did not start: ${(error as Error).message}\n${output}`);
      await stopProcess(child);
      await rm(dir, { recursive: true, force: true });
    }
  }
  throw lastError;
}

async function waitForPong(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
    if (await ping(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no PONG within ${timeoutMs} ms`);
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.on('data', (data) => done(data.toString().startsWith('+PONG')));
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
  });
}

/** SIGTERM, then SIGKILL if it has not exited within 3 s. */
export function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
