import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, stopProcess, type RunningRedis } from '../support/redis.js';
import { newRoom, RawClient } from './helpers.js';

const MAIN = resolve(import.meta.dirname, '../../peer-server/src/main.ts');

interface MainProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
}

let redis: RunningRedis;
const processes: ChildProcess[] = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  await Promise.all(processes.splice(0).map((child) => stopProcess(child)));
});
afterAll(() => redis?.stop());

/** `npm run server` as production runs it: the real entry point in its own process. */
function runMain(env: Record<string, string>): MainProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  processes.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

async function listeningPort(main: MainProcess): Promise<number> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(main.stderr())?.[1];
    if (port) return Number(port);
    if (main.child.exitCode !== null || Date.now() > deadline)
      throw new Error(`the server did not start:\n${main.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the server process (peer-server/src/main.ts)', () => {
  it('shuts down gracefully on SIGTERM: tells peers, leaves rooms in Redis, exits 0', async () => {
    const main = runMain({ REDIS_URL: redis.url });
    const port = await listeningPort(main);
    const room = newRoom();
    const host = await RawClient.register(port, room, 'host-token', 'peerjs', { room });
    const guest = await RawClient.register(port, 'guest', 'guest-token', 'peerjs', { room });
    expect(await host.next()).toMatchObject({ type: 'ROOM-JOIN', src: 'guest' });

    const check = createClient({ url: redis.url });
    await check.connect();
    try {
      expect(Object.keys(await check.hGetAll(`diyalog:room:${room}`)).sort()).toEqual(['guest', room].sort());
      main.child.kill('SIGTERM');
      for (const client of [host, guest]) {
        expect(await client.next()).toEqual({ type: 'ERROR', payload: { msg: 'server-shutting-down' } });
        expect((await client.closedWithin()).code).toBe(1001);
        expect(client.messages).toEqual([]); // no LEAVE flurry on the way out
      }
      expect(await main.exited).toBe(0);
      expect(await check.exists(`diyalog:room:${room}`)).toBe(0);
    } finally {
      await check.close();
    }

    const events = main
      .stdout()
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { event: string }).event);
    expect(events[0]).toBe('server-started');
    expect(events.slice(-1)).toEqual(['server-stopped']);
    expect(events).toContain('server-stopping');
    expect(main.stdout()).not.toContain('host-token');
  });

  it('exits 1 with a clear message, and without the password, when Redis is unreachable', async () => {
    const main = runMain({ REDIS_URL: 'redis://:hunter2@127.0.0.1:1' });
    expect(await main.exited).toBe(1);
    expect(main.stderr()).toContain('diyalog server: cannot connect to Redis (REDIS_URL) (ECONNREFUSED)');
    expect(main.stderr() + main.stdout()).not.toContain('hunter2');
  });

  it('exits 2 on a configuration mistake', async () => {
    const main = runMain({ TURN_SECRET: 'x' });
    expect(await main.exited).toBe(2);
    expect(main.stderr()).toMatch(/TURN_SECRET is set, but TURN_URLS has no turn/);
  });
});
