/**
 * Sockets an attacker opens and never finishes, never closes or never reads: the server's count of them
 * stays at its caps, refusals go at once, and what waits for readers stays within a budget.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { connect as netConnect, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DiyalogConfig } from '../../peer-server/src/config.js';
import { stopProcess } from '../support/redis.js';
import { eventually, RawClient, startServer, type RunningServer } from './helpers.js';

let running: RunningServer | undefined;
const clients: RawClient[] = [];
const raw: Socket[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const socket of raw.splice(0)) socket.destroy();
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await running?.server.close();
  running = undefined;
  await Promise.all(children.splice(0).map((child) => stopProcess(child)));
});

async function start(overrides: Partial<DiyalogConfig> = {}): Promise<RunningServer> {
  running = await startServer(overrides);
  return running;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function serverConnections(): Promise<number> {
  return new Promise((resolve, reject) =>
    running!.server.httpServer.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );
}

/** A WebSocket upgrade by hand, from a client that then never reads, never answers and never closes. */
function neverClosingUpgrade(port: number, query: string): Socket {
  const socket = netConnect(port, '127.0.0.1');
  socket.on('error', () => {}); // resets are what we expect
  socket.write(
    `GET /signal/peerjs?${query} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
      'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  socket.pause();
  raw.push(socket);
  return socket;
}

describe('refused and surplus sockets', () => {
  it('refusals go at once (no 30 s linger) and are logged once per address per minute', async () => {
    const { port, logs } = await start({ maxConnectionsPerIp: 1000 });
    for (let i = 0; i < 300; i++) neverClosingUpgrade(port, `key=wrong&id=p${i}&token=t`);
    await eventually(
      () => logs.filter((e) => e.event === 'connection-rejected').length >= 1,
      'the first refusal',
      5000,
    );
    // Every refused socket is gone from the server within a few seconds, though no client closed.
    await eventually(async () => (await serverConnections()) === 0, 'refused sockets to be dropped', 5000);
    expect(logs.filter((e) => e.event === 'connection-rejected')).toEqual([
      { event: 'connection-rejected', reason: 'invalid-key' },
    ]);
  });

  it('300 never-closing upgrades plus 50 sockets: the server holds no more than its caps', async () => {
    const { port } = await start({ maxConnectionsPerIp: 50 });
    for (let i = 0; i < 50; i++) {
      clients.push(await RawClient.register(port, `peer-${i}`));
    }
    let peak = 0;
    for (let i = 0; i < 300; i++) {
      neverClosingUpgrade(port, `key=peerjs&id=extra-${i}&token=t`);
      if (i % 20 === 0) peak = Math.max(peak, await serverConnections());
    }
    for (let i = 0; i < 10; i++) {
      peak = Math.max(peak, await serverConnections());
      await sleep(50);
    }
    // MAX_CONNECTIONS_PER_IP, plus the 8 of headroom for a refusal in words, at most.
    expect(peak).toBeLessThanOrEqual(58);
    await eventually(
      async () => (await serverConnections()) === 50,
      'only the 50 registered to remain',
      5000,
    );
    // The 50 still work.
    clients[0]!.send({ type: 'OFFER', dst: 'peer-1', payload: 'fine' });
    expect(await clients[1]!.next()).toEqual({
      type: 'OFFER',
      src: 'peer-0',
      dst: 'peer-1',
      payload: 'fine',
    });
  });

  it('MAX_CONNECTIONS caps the whole server at TCP accept', async () => {
    const { port } = await start({ maxConnections: 20, maxConnectionsPerIp: 1000 });
    for (let i = 0; i < 40; i++) {
      const socket = netConnect(port, '127.0.0.1');
      socket.on('error', () => {});
      raw.push(socket);
    }
    await sleep(300);
    expect(await serverConnections()).toBe(20);
    expect(running!.server.metrics.connectionsRejected.get('server-full')).toBe(20);
  });
});

describe('readers that stop reading', () => {
  const MAIN = resolve(import.meta.dirname, '../../peer-server/src/main.ts');
  /**
   * Stated budget: MAX_BUFFERED_BYTES (16 MiB here) plus 96 MiB for the process's own churn: 240 MB of 1 MB
   * frames parsed and re-encoded in 6 s, whose garbage V8 collects late and whose freed memory malloc keeps
   * (RSS is a high-water mark). Measured growth on a quiet machine: 55–80 MiB in 9 runs (80.1 in one, so a
   * 64 MiB allowance failed a CI run). Before the server-wide budget, 20 stuck readers pinned ~16 MiB each:
   * 320 MiB, far over this.
   */
  const RSS_BUDGET_BYTES = (16 + 96) * 1024 * 1024;

  it(`keep the server within MAX_BUFFERED_BYTES + 96 MiB of RSS, and are closed after STUCK_READER_SECONDS`, async () => {
    // A modest heap limit makes V8 collect the relayed frames' garbage promptly, so RSS shows what is held.
    const child = spawn(process.execPath, ['--max-old-space-size=128', '--import', 'tsx', MAIN], {
      env: {
        PATH: process.env.PATH ?? '',
        HOST: '127.0.0.1',
        PORT: '0',
        MAX_FRAME_BYTES: String(1024 * 1024),
        MAX_BUFFERED_BYTES: String(16 * 1024 * 1024),
        STUCK_READER_SECONDS: '2',
        MAX_CONNECTIONS_PER_IP: '100',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    let stdout = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await eventually(
      () => /listening on http:\/\/127\.0\.0\.1:\d+/.test(stderr),
      'the server to listen',
      15_000,
    );
    const port = Number(/listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr)![1]);
    const rss = async () => {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
    };

    const readers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => RawClient.register(port, `reader-${i}`)),
    );
    const senders = await Promise.all(
      Array.from({ length: 10 }, (_, i) => RawClient.register(port, `sender-${i}`)),
    );
    clients.push(...readers, ...senders);
    await sleep(500);
    const baseline = await rss();
    for (const reader of readers) reader.ws.pause(); // the kernel's buffers fill, then the server's

    const chunk = 'x'.repeat(1000 * 1000 - 200);
    let peak = baseline;
    const started = Date.now();
    let round = 0;
    while (Date.now() - started < 6000) {
      for (const sender of senders) {
        if (sender.ws.bufferedAmount > 4 * 1024 * 1024) continue; // our own side must not be the bottleneck
        sender.send({ type: 'CANDIDATE', dst: `reader-${round % readers.length}`, payload: chunk });
      }
      round += 1;
      if (round % 2 === 0) peak = Math.max(peak, await rss());
      await sleep(250); // 10 senders × 4 frames of 1 MB a second: 40 MB/s at 20 readers
    }
    peak = Math.max(peak, await rss());
    const growth = peak - baseline;
    console.log(
      `stuck readers: RSS baseline ${(baseline / 2 ** 20).toFixed(1)} MiB, peak ${(peak / 2 ** 20).toFixed(1)} MiB, growth ${(growth / 2 ** 20).toFixed(1)} MiB (budget ${RSS_BUDGET_BYTES / 2 ** 20} MiB)`,
    );
    expect(growth).toBeLessThanOrEqual(RSS_BUDGET_BYTES);
    // The readers that stopped were closed by the server; the senders are still there.
    expect(stdout).toContain('"event":"stuck-reader"');
    for (const sender of senders) expect(sender.ws.readyState).toBe(1);
  }, 30_000);
});
