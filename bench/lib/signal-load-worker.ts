/**
 * A load generator for `npm run bench:signal`: holds its share of the peers (ids `p<from>`…`p<to - 1>`), sends
 * heartbeats and relayed messages, and times the messages it receives. Latency crosses processes: the send
 * time travels in the payload on the monotonic clock, which every process on the machine shares.
 */
import { serveRpc } from './child-rpc.js';
import { encodeText, RawWebSocket } from './raw-ws-client.js';
import type { Connected, Relayed, WorkerCommand, WorkerReport } from './signal-bench-messages.js';

/** Source ports 20000–29999 on each source address: outside Linux's ephemeral range (32768–60999). */
const FIRST_PORT = 20_000;
const PORTS_PER_ADDRESS = 10_000;
const CONNECT_TIMEOUT_MS = 180_000;
const HEARTBEAT = encodeText('{"type":"HEARTBEAT"}');
/** An ICE candidate as simple-peer sends one, around 250 bytes on the wire. */
const CANDIDATE =
  'candidate:842163049 1 udp 1677729535 192.0.2.10 50000 typ srflx raddr 0.0.0.0 rport 0 generation 0 ' +
  'ufrag 8hhy network-cost 999';

const now = (): number => Number(process.hrtime.bigint()) / 1e6;

let peers: RawWebSocket[] = [];
let firstId = 0;
let heartbeatTimer: NodeJS.Timeout | undefined;
let latencies: number[] = [];
let crossLatencies: number[] = [];
/** Server instances the peers alternate between. */
let instances = 1;
let unexpected: Record<string, number> = {};

function onText(text: string, receiver: number): void {
  // Our relayed messages start like this on every server; parse only those.
  if (text.startsWith('{"type":"CANDIDATE"')) {
    const message = JSON.parse(text) as { src: string; payload: { t: number } };
    const sender = Number(message.src.slice(1));
    (sender % instances === receiver % instances ? latencies : crossLatencies).push(
      now() - message.payload.t,
    );
    return;
  }
  const { type, payload } = JSON.parse(text) as { type?: string; payload?: { msg?: string } };
  const key = payload?.msg === undefined ? String(type) : `${type}: ${payload.msg}`;
  unexpected[key] = (unexpected[key] ?? 0) + 1;
}

function connectAll(command: Extract<WorkerCommand, { type: 'connect' }>): Promise<Connected> {
  const { ports, path, from, to, sourcePrefix, concurrency } = command;
  firstId = from;
  instances = ports.length;
  peers = new Array<RawWebSocket>(to - from);
  const failures: string[] = [];
  let ok = 0;
  let failed = 0;
  let next = from;
  return new Promise((resolve) => {
    const timeout = setTimeout(() => {
      failures.push(`timed out with ${to - from - ok - failed} still connecting`);
      resolve({ ok, failed: to - from - ok, failures });
    }, CONNECT_TIMEOUT_MS);
    const finish = () => {
      if (ok + failed < to - from) return launch();
      clearTimeout(timeout);
      resolve({ ok, failed, failures });
    };
    const launch = () => {
      if (next >= to) return;
      const i = next++;
      const slot = i - from;
      let opened = false;
      const socket = new RawWebSocket(
        {
          port: ports[i % ports.length]!,
          target: `${path}?key=peerjs&id=p${i}&token=t${i}`,
          localAddress: `${sourcePrefix}.${1 + Math.floor(slot / PORTS_PER_ADDRESS)}`,
          localPort: FIRST_PORT + (slot % PORTS_PER_ADDRESS),
        },
        {
          onUpgrade: () => {},
          onText: (text) => {
            if (opened) return onText(text, i);
            opened = text.startsWith('{"type":"OPEN"');
            if (opened) ok += 1;
            else {
              failed += 1;
              if (failures.length < 5) failures.push(`p${i}: ${text.slice(0, 120)}`);
              socket.destroy();
            }
            finish();
          },
          onClose: (reason) => {
            if (opened) {
              unexpected[`closed: ${reason}`] = (unexpected[`closed: ${reason}`] ?? 0) + 1;
              return;
            }
            opened = true; // counted once
            failed += 1;
            if (failures.length < 5) failures.push(`p${i}: ${reason}`);
            finish();
          },
        },
      );
      peers[slot] = socket;
    };
    for (let k = 0; k < Math.min(concurrency, to - from); k++) launch();
  });
}

/** Each peer heartbeats every `everyMs`, spread evenly over that period, as peerjs clients do. */
function heartbeats(everyMs: number): void {
  clearInterval(heartbeatTimer);
  if (everyMs <= 0) return;
  const tickMs = 50;
  const slots = Math.max(1, Math.round(everyMs / tickMs));
  let tick = 0;
  heartbeatTimer = setInterval(() => {
    const slot = tick++ % slots;
    for (let k = slot; k < peers.length; k += slots) peers[k]?.send(HEARTBEAT);
  }, tickMs);
}

/** Random pairs at a fixed rate: from one of ours to anyone else. */
function relay(command: Extract<WorkerCommand, { type: 'relay' }>): Promise<Relayed> {
  const { ratePerSecond, durationMs, totalPeers, seed } = command;
  let state = seed >>> 0;
  const random = (n: number) => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return Math.floor((state / 2 ** 32) * n);
  };
  const total = Math.round((ratePerSecond * durationMs) / 1000);
  let sent = 0;
  const started = now();
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((now() - started) * ratePerSecond) / 1000));
      while (sent < due) {
        const from = random(peers.length);
        let dst = random(totalPeers);
        if (dst === firstId + from) dst = (dst + 1) % totalPeers;
        const payload = `{"t":${now()},"candidate":"${CANDIDATE}","sdpMid":"0","sdpMLineIndex":0}`;
        peers[from]?.send(encodeText(`{"type":"CANDIDATE","dst":"p${dst}","payload":${payload}}`));
        sent += 1;
      }
      if (sent >= total) {
        clearInterval(timer);
        resolve({ sent });
      }
    }, 1);
  });
}

function report(): WorkerReport {
  const cpu = process.cpuUsage();
  const result = { latencies, crossLatencies, unexpected, cpuMicros: cpu.user + cpu.system };
  latencies = [];
  crossLatencies = [];
  unexpected = {};
  return result;
}

serveRpc(async (body) => {
  const command = body as WorkerCommand;
  switch (command.type) {
    case 'connect':
      return connectAll(command);
    case 'heartbeats':
      return heartbeats(command.everyMs);
    case 'relay':
      return relay(command);
    case 'report':
      return report();
    case 'close':
      clearInterval(heartbeatTimer);
      for (const peer of peers) peer?.destroy();
      peers = [];
      return undefined;
  }
});
