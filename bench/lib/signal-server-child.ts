/**
 * One signaling server under test, alone in its process so that its RSS and CPU are its own:
 * `ours` (createDiyalogServer), `stock` (the `peer` package's PeerServer) or `bare` (bench/lib/bare-relay.ts).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { PeerServer } from 'peer';
import { createDiyalogServer } from '../../peer-server/src/app.js';
import { loadConfig } from '../../peer-server/src/config.js';
import { startBareRelay } from './bare-relay.js';
import { serveRpc } from './child-rpc.js';
import type { ServerCommand, ServerKind, Started, Usage } from './signal-bench-messages.js';

const HOST = '127.0.0.1';
const MAX_FRAME_BYTES = 64 * 1024;

const kind = process.argv[2] as ServerKind;
/** For the Redis kinds: the Redis URL and this instance's name. */
const [redisUrl, instanceId] = process.argv.slice(3);
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();

async function start(): Promise<Started> {
  if (kind === 'ours') {
    // Every benchmark peer comes from loopback: lift the per-IP cap; all else stays at its default.
    // Logging is off: one JSON line per connect on stdout would measure the terminal, and stock logs nothing.
    const config = loadConfig({ PORT: '0', HOST, MAX_CONNECTIONS_PER_IP: '1000000' }, []);
    const server = createDiyalogServer(config, { log: () => {} });
    const { port } = await server.listen();
    return { port, path: '/signal/peerjs' };
  }
  if (kind === 'redis×1' || kind === 'redis×2') {
    const config = loadConfig(
      {
        PORT: '0',
        HOST,
        MAX_CONNECTIONS_PER_IP: '1000000',
        REDIS_URL: redisUrl ?? '',
        INSTANCE_ID: instanceId ?? 'bench',
      },
      [],
    );
    const server = createDiyalogServer(config, { log: () => {} });
    const { port } = await server.listen();
    return { port, path: '/signal/peerjs' };
  }
  if (kind === 'stock') {
    const server = await new Promise<Server>((resolve) => {
      const app = PeerServer(
        { host: HOST, port: 0, path: '/', key: 'peerjs', concurrent_limit: 1_000_000 },
        (http) => resolve(http as Server),
      );
      app.on('error', () => {}); // without a listener, one bad frame ends the process (FIELD-NOTES)
    });
    return { port: (server.address() as AddressInfo).port, path: '/peerjs' };
  }
  if (kind === 'bare') return { port: await startBareRelay(HOST, MAX_FRAME_BYTES), path: '/peerjs' };
  throw new Error(`unknown server kind ${String(kind)}`);
}

function usage(gc: boolean): Usage {
  if (gc) globalThis.gc?.();
  const cpu = process.cpuUsage();
  const result: Usage = {
    rss: process.memoryUsage.rss(),
    heapUsed: process.memoryUsage().heapUsed,
    cpuMicros: cpu.user + cpu.system,
    loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
    loopDelayMaxMs: loopDelay.max / 1e6,
  };
  loopDelay.reset();
  return result;
}

serveRpc(async (body) => {
  const command = body as ServerCommand;
  if (command.type === 'start') return start();
  return usage(command.gc === true);
});
