/**
 * npm run bench:signal — N peers connected to a signaling server, then messages relayed between random pairs
 * at a fixed rate; for our server, the stock `peer` PeerServer and a bare `ws` relay (the floor), in one run.
 * Each server runs alone in a child process pinned to CPU 0 (its RSS and CPU are its own: "on one core");
 * the load runs in other child processes on the remaining CPUs, binding its source addresses and ports itself.
 *   BENCH_PEERS=1000,5000     peer counts (20000 needs 3 load processes and is capped just under the
 *                             20,000 open-file limit of the server's process: BENCH_PEERS=20000)
 *   BENCH_RATE=2000           relayed messages per second (all load processes together)
 *   BENCH_SECONDS=10          relay phase length
 *   BENCH_HEARTBEAT_MS=5000   each peer's heartbeat period, as peerjs clients send it (0: none)
 *   BENCH_SERVERS=ours,stock,bare
 * Targets (issue 5): 20k peers on one core, p99 ≤ 10 ms at 2k msg/s, not slower than stock, ≤ 1.3× bare.
 * Reported, not asserted: p99 on a 2-core machine moves with GC pauses and the load generator.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { ChildRpc } from './lib/child-rpc.js';
import {
  SERVER_KINDS,
  type Connected,
  type Relayed,
  type ServerKind,
  type Started,
  type Usage,
  type WorkerReport,
} from './lib/signal-bench-messages.js';
import { summarize, type Summary } from './lib/summary.js';
import { startRedis, type RunningRedis } from '../tests/support/redis.js';

const PEERS = (process.env.BENCH_PEERS ?? '1000,5000').split(',').map((n) => Number(n.trim()));
const RATE = Number(process.env.BENCH_RATE ?? 2000);
const RELAY_MS = Number(process.env.BENCH_SECONDS ?? 10) * 1000;
const HEARTBEAT_MS = Number(process.env.BENCH_HEARTBEAT_MS ?? 5000);
const SERVERS = (process.env.BENCH_SERVERS ?? SERVER_KINDS.join(','))
  .split(',')
  .map((kind) => kind.trim() as ServerKind);
const IDLE_MS = 3000;
/** Handshakes in flight at once, over all load processes; well under the listen backlog (511). */
const CONCURRENCY = 256;
/** One load process per this many peers: each holds its sockets under the 20,000 open-file limit. */
const PEERS_PER_WORKER = 8000;

const SERVER_CHILD = new URL('./lib/signal-server-child.ts', import.meta.url);
const LOAD_WORKER = new URL('./lib/signal-load-worker.ts', import.meta.url);

interface Row {
  readonly kind: ServerKind;
  readonly peers: number;
  readonly failed: number;
  readonly connectMs: number;
  readonly connectCpuMs: number;
  /** The load generators' CPU for the same connects: if it nears the wall time, they set the pace. */
  readonly loadConnectCpuMs: number;
  readonly rssMb: number;
  readonly rssPerKMb: number;
  readonly heapPerKMb: number;
  readonly idleCpuPercent: number;
  readonly relayCpuPercent: number;
  /** Server CPU per relayed message, net of the idle (heartbeat) load. */
  readonly cpuMicrosPerMessage: number;
  readonly latency: Summary & { readonly p99: number };
  /** With two instances: messages between peers on the same instance, and across instances. */
  readonly localLatency: Summary & { readonly p99: number };
  readonly crossLatency: Summary & { readonly p99: number };
  /** redis-server's CPU while relaying (% of one core), for the Redis kinds. */
  readonly redisCpuPercent: number;
  readonly sent: number;
  readonly delivered: number;
  readonly unexpected: Readonly<Record<string, number>>;
  readonly loopDelayP99Ms: number;
  readonly loadCpuPercent: number;
}

function openFileLimit(): number {
  try {
    return Number(execFileSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim()) || Infinity;
  } catch {
    return Infinity;
  }
}

function cpuPlan(): { server: string | undefined; load: string | undefined; note: string } {
  const cpus = availableParallelism();
  let taskset = false;
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    taskset = true;
  } catch {
    // no taskset: nothing is pinned
  }
  if (!taskset || cpus < 2)
    return { server: undefined, load: undefined, note: `${cpus} CPUs, nothing pinned` };
  const load = cpus === 2 ? '1' : `1-${cpus - 1}`;
  execFileSync('taskset', ['-cp', load, String(process.pid)], { stdio: 'ignore' }); // this process too
  return { server: '0', load, note: `server on CPU 0, load generators on CPU ${load}` };
}

function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

let runNumber = 0;

/** redis-server's user + system CPU so far, µs (Linux: /proc, 100 ticks per second). */
function redisCpuMicros(redis: RunningRedis | undefined): number {
  if (!redis) return 0;
  const fields = readFileSync(`/proc/${redis.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** The summed usage of every instance (RSS, heap, CPU); the worst event-loop delay. */
function sumUsage(usages: readonly Usage[]): Usage {
  return {
    rss: usages.reduce((sum, u) => sum + u.rss, 0),
    heapUsed: usages.reduce((sum, u) => sum + u.heapUsed, 0),
    cpuMicros: usages.reduce((sum, u) => sum + u.cpuMicros, 0),
    loopDelayP99Ms: Math.max(...usages.map((u) => u.loopDelayP99Ms)),
    loopDelayMaxMs: Math.max(...usages.map((u) => u.loopDelayMaxMs)),
  };
}

async function measure(kind: ServerKind, peers: number, cpus: ReturnType<typeof cpuPlan>): Promise<Row> {
  runNumber += 1;
  // The Redis kinds: a fresh redis-server on the servers' CPU (its work is the cluster's cost).
  const redis = kind.startsWith('redis') ? await startRedis() : undefined;
  if (redis && cpus.server !== undefined)
    execFileSync('taskset', ['-cp', cpus.server, String(redis.pid)], { stdio: 'ignore' });
  const servers = Array.from({ length: kind === 'redis×2' ? 2 : 1 }, (_, n) =>
    ChildRpc.start(
      `${kind} server ${n}`,
      SERVER_CHILD,
      redis ? [kind, redis.url, `bench-${n}`] : [kind],
      cpus.server,
    ),
  );
  const workerCount = Math.ceil(peers / PEERS_PER_WORKER);
  const workers = Array.from({ length: workerCount }, (_, w) =>
    ChildRpc.start(`load ${w}`, LOAD_WORKER, [], cpus.load),
  );
  try {
    const started = await Promise.all(servers.map((server) => server.request<Started>({ type: 'start' })));
    const ports = started.map((s) => s.port);
    const path = started[0]!.path;
    const usage = async (gc = false) =>
      sumUsage(await Promise.all(servers.map((server) => server.request<Usage>({ type: 'usage', gc }))));
    const all = <T>(body: unknown) => Promise.all(workers.map((worker) => worker.request<T>(body)));
    const loadIdle = await all<WorkerReport>({ type: 'report' }); // every worker is up
    const before = await usage(true);

    const connectStarted = performance.now();
    const connected = await Promise.all(
      workers.map((worker, w) =>
        worker.request<Connected>({
          type: 'connect',
          ports,
          path,
          from: Math.floor((peers * w) / workerCount),
          to: Math.floor((peers * (w + 1)) / workerCount),
          // A fresh source address per run: no collision with the previous run's TIME_WAIT sockets.
          sourcePrefix: `127.${runNumber}.${w + 1}`,
          concurrency: Math.ceil(CONCURRENCY / workerCount),
        }),
      ),
    );
    const connectMs = performance.now() - connectStarted;
    const afterConnect = await usage();
    const loadConnected = await all<WorkerReport>({ type: 'report' });
    const failed = connected.reduce((sum, c) => sum + c.failed, 0);
    for (const failure of connected.flatMap((c) => c.failures)) console.log(`  ${kind}: ${failure}`);
    const settled = await usage(true);

    await all({ type: 'heartbeats', everyMs: HEARTBEAT_MS });
    await sleep(1000);
    const idleStart = await usage();
    await sleep(IDLE_MS);
    const idleEnd = await usage();

    const loadBefore = await all<WorkerReport>({ type: 'report' });
    const redisBefore = redisCpuMicros(redis);
    const relayStarted = performance.now();
    const relayed = await all<Relayed>({
      type: 'relay',
      ratePerSecond: RATE / workerCount,
      durationMs: RELAY_MS,
      totalPeers: peers,
      seed: 0,
    });
    const relayEnd = await usage();
    const relayWallMs = performance.now() - relayStarted;
    const redisCpu = redisCpuMicros(redis) - redisBefore;
    await sleep(500); // the last messages land
    const reports = await all<WorkerReport>({ type: 'report' });

    const sent = relayed.reduce((sum, r) => sum + r.sent, 0);
    const localLatencies = reports.flatMap((r) => r.latencies);
    const crossLatencies = reports.flatMap((r) => r.crossLatencies);
    const latencies = [...localLatencies, ...crossLatencies];
    const withP99 = (values: readonly number[]) => ({ ...summarize(values), p99: percentile(values, 0.99) });
    const unexpected: Record<string, number> = {};
    for (const r of reports)
      for (const [key, n] of Object.entries(r.unexpected)) unexpected[key] = (unexpected[key] ?? 0) + n;
    const idleCpuPerMs = (idleEnd.cpuMicros - idleStart.cpuMicros) / IDLE_MS;
    const relayCpu = relayEnd.cpuMicros - idleEnd.cpuMicros;
    const cpuSince = (now: readonly WorkerReport[], then: readonly WorkerReport[]) =>
      now.reduce((sum, r, w) => sum + r.cpuMicros - then[w]!.cpuMicros, 0);
    const ok = peers - failed;
    await all({ type: 'close' });
    return {
      kind,
      peers,
      failed,
      connectMs,
      connectCpuMs: (afterConnect.cpuMicros - before.cpuMicros) / 1000,
      loadConnectCpuMs: cpuSince(loadConnected, loadIdle) / 1000,
      rssMb: settled.rss / 2 ** 20,
      rssPerKMb: ((settled.rss - before.rss) / 2 ** 20 / Math.max(1, ok)) * 1000,
      heapPerKMb: ((settled.heapUsed - before.heapUsed) / 2 ** 20 / Math.max(1, ok)) * 1000,
      idleCpuPercent: idleCpuPerMs / 10,
      relayCpuPercent: relayCpu / relayWallMs / 10,
      cpuMicrosPerMessage: (relayCpu - idleCpuPerMs * relayWallMs) / Math.max(1, sent),
      latency: withP99(latencies),
      localLatency: withP99(localLatencies),
      crossLatency: withP99(crossLatencies),
      redisCpuPercent: redisCpu / relayWallMs / 10,
      sent,
      delivered: latencies.length,
      unexpected,
      loopDelayP99Ms: relayEnd.loopDelayP99Ms,
      loadCpuPercent: cpuSince(reports, loadBefore) / relayWallMs / 10,
    };
  } finally {
    await Promise.all([...servers.map((server) => server.stop()), ...workers.map((worker) => worker.stop())]);
    await redis?.stop();
  }
}

const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '–');

/** Right-aligned columns under a header; the first column is left-aligned. */
function printColumns(head: readonly (readonly [string, number])[], rows: readonly string[][]): void {
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(head[i]![1]) : c.padStart(head[i]![1]))).join(' ');
  console.log(line(head.map(([label]) => label)));
  for (const row of rows) console.log(line(row));
}

function printTables(peers: number, rows: readonly Row[]): void {
  const perK = (value: number, r: Row) => (value / Math.max(1, r.peers - r.failed)) * 1000;
  console.log(`\n${peers.toLocaleString('en')} peers: connect, memory, idle (heartbeats only)`);
  printColumns(
    [
      ['server', 8],
      ['connected', 11],
      ['seconds', 8],
      ['peers/s', 8],
      ['server CPU ms/1k', 17],
      ['load CPU ms/1k', 15],
      ['RSS MB', 7],
      ['RSS MB/1k', 10],
      ['heap MB/1k', 11],
      ['idle CPU', 9],
    ],
    rows.map((r) => [
      r.kind,
      `${r.peers - r.failed}/${r.peers}`,
      fixed(r.connectMs / 1000, 2),
      fixed((r.peers - r.failed) / (r.connectMs / 1000), 0),
      fixed(perK(r.connectCpuMs, r), 0),
      fixed(perK(r.loadConnectCpuMs, r), 0),
      fixed(r.rssMb),
      fixed(r.rssPerKMb, 2),
      fixed(r.heapPerKMb, 2),
      `${fixed(r.idleCpuPercent)}%`,
    ]),
  );
  console.log(
    `\n${peers.toLocaleString('en')} peers: relay, ${RATE} msg/s for ${RELAY_MS / 1000} s between random pairs`,
  );
  printColumns(
    [
      ['server', 8],
      ['delivered', 13],
      ['server CPU', 11],
      ['µs/msg', 7],
      ['loop p99', 9],
      ['load CPU', 9],
      ['latency ms: min', 16],
      ['median', 7],
      ['p95', 7],
      ['p99', 7],
      ['max', 7],
    ],
    rows.map((r) => [
      r.kind,
      `${r.delivered}/${r.sent}`,
      `${fixed(r.relayCpuPercent)}%`,
      fixed(r.cpuMicrosPerMessage, 0),
      fixed(r.loopDelayP99Ms, 1),
      `${fixed(r.loadCpuPercent)}%`,
      fixed(r.latency.min, 2),
      fixed(r.latency.median, 2),
      fixed(r.latency.p95, 2),
      fixed(r.latency.p99, 2),
      fixed(r.latency.max, 1),
    ]),
  );
  for (const r of rows) {
    if (r.failed > 0) console.log(`${r.kind}: ${r.failed} of ${r.peers} peers failed to connect`);
    const odd = Object.entries(r.unexpected);
    if (odd.length > 0) console.log(`${r.kind} peers also got: ${JSON.stringify(Object.fromEntries(odd))}`);
  }
  const ours = rows.find((r) => r.kind === 'ours');
  if (!ours) return;
  console.log('');
  printInstances(rows);
  for (const other of rows.filter((r) => r.kind !== 'ours' && !r.kind.startsWith('redis'))) {
    const ratio = (a: number, b: number) => `${fixed(a / b, 2)}×`;
    console.log(
      `ours/${other.kind}: server CPU per connect ${ratio(ours.connectCpuMs, other.connectCpuMs)}, ` +
        `RSS/1k ${ratio(ours.rssPerKMb, other.rssPerKMb)}, heap/1k ${ratio(ours.heapPerKMb, other.heapPerKMb)}, ` +
        `idle CPU ${ratio(ours.idleCpuPercent, other.idleCpuPercent)}, ` +
        `CPU/msg ${ratio(ours.cpuMicrosPerMessage, other.cpuMicrosPerMessage)}, ` +
        `p50 ${ratio(ours.latency.median, other.latency.median)}, p99 ${ratio(ours.latency.p99, other.latency.p99)}, ` +
        `connect time ${ratio(ours.connectMs, other.connectMs)}`,
    );
  }
}

/** One instance against two on one Redis, at the same message rate, and cross-instance against local relay. */
function printInstances(rows: readonly Row[]): void {
  const ours = rows.find((r) => r.kind === 'ours');
  const one = rows.find((r) => r.kind === 'redis×1');
  const two = rows.find((r) => r.kind === 'redis×2');
  const ratio = (a: number, b: number) => `${fixed(a / b, 2)}×`;
  for (const r of [one, two]) {
    if (r) console.log(`${r.kind}: redis-server CPU while relaying ${fixed(r.redisCpuPercent)}% of one core`);
  }
  if (two) {
    const { localLatency: l, crossLatency: c } = two;
    console.log(
      `redis×2 relay latency ms, same instance (${l.n}): min ${fixed(l.min, 2)} median ${fixed(l.median, 2)} ` +
        `p95 ${fixed(l.p95, 2)} p99 ${fixed(l.p99, 2)} max ${fixed(l.max, 1)}; across instances (${c.n}): ` +
        `min ${fixed(c.min, 2)} median ${fixed(c.median, 2)} p95 ${fixed(c.p95, 2)} p99 ${fixed(c.p99, 2)} ` +
        `max ${fixed(c.max, 1)}; a cross-instance relay adds ${fixed(c.median - l.median, 2)} ms at the median ` +
        `(${ratio(c.median, l.median)}), ${fixed(c.p99 - l.p99, 2)} ms at p99`,
    );
  }
  for (const base of [ours, one]) {
    if (!two || !base) continue;
    console.log(
      `redis×2/${base.kind}: peers held ${two.peers - two.failed} vs ${base.peers - base.failed}, ` +
        `p50 ${ratio(two.latency.median, base.latency.median)}, p99 ${ratio(two.latency.p99, base.latency.p99)}, ` +
        `server CPU/msg (both instances) ${ratio(two.cpuMicrosPerMessage, base.cpuMicrosPerMessage)}, ` +
        `RSS/1k ${ratio(two.rssPerKMb, base.rssPerKMb)}, connect time ${ratio(two.connectMs, base.connectMs)}`,
    );
  }
  if (one && ours)
    console.log(
      `redis×1/ours: p50 ${ratio(one.latency.median, ours.latency.median)}, ` +
        `p99 ${ratio(one.latency.p99, ours.latency.p99)}, CPU/msg ${ratio(one.cpuMicrosPerMessage, ours.cpuMicrosPerMessage)}, ` +
        `connect CPU ${ratio(one.connectCpuMs, ours.connectCpuMs)}`,
    );
}

async function main(): Promise<void> {
  const unknown = SERVERS.filter((kind) => !SERVER_KINDS.includes(kind));
  const badCounts = PEERS.filter((n) => !Number.isInteger(n) || n < 2);
  if (unknown.length > 0 || badCounts.length > 0 || !(RATE > 0) || !(RELAY_MS > 0)) {
    console.error(
      `bench:signal: BENCH_SERVERS takes ${SERVER_KINDS.join(',')}; BENCH_PEERS whole numbers ≥ 2; ` +
        'BENCH_RATE and BENCH_SECONDS positive numbers.',
    );
    process.exit(2);
  }
  const limit = openFileLimit();
  const cpus = cpuPlan();
  console.log(
    `bench:signal — Node ${process.version}, ${cpus.note}, open-file limit ${limit} per process; ` +
      'CPU % is of one core; µs/msg is server CPU per relayed message net of the idle load; loop p99 is the ' +
      "server's event-loop delay while relaying; latency is send → receive across processes.",
  );
  for (const requested of PEERS) {
    // The server's process needs a few descriptors of its own besides one per peer.
    const peers = Math.min(requested, limit - 100);
    if (peers < requested)
      console.log(`\n${requested} peers exceed the open-file limit: measuring ${peers}.`);
    const rows: Row[] = [];
    for (const kind of SERVERS) {
      process.stdout.write(`  ${kind} × ${peers} …`);
      const row = await measure(kind, peers, cpus);
      process.stdout.write(
        ` connected in ${fixed(row.connectMs / 1000, 2)} s, p99 ${fixed(row.latency.p99, 2)} ms\n`,
      );
      rows.push(row);
    }
    printTables(peers, rows);
  }
}

await main();
