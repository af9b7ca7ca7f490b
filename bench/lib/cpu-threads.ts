import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time of every thread of the Chromium processes this benchmark started (read from /proc, Linux only):
 * where a transfer's CPU goes, by browser, process type and thread name (a renderer's main thread is named
 * after the executable; the hashing worker is a "DedicatedWorker thread"; SCTP runs on WebRTC's threads).
 * Keys: `<host|guest> <process type> <thread name>`; values: CPU ms (user + system).
 */
export type CpuSnapshot = Map<string, number>;

const TICK_MS = 10; // USER_HZ is 100 on Linux

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** comm, ppid, utime + stime (ticks) from a /proc stat line (comm may hold spaces and parentheses). */
function parseStat(stat: string): { comm: string; ppid: number; ticks: number } {
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  const rest = stat.slice(close + 2).split(' ');
  // rest[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
  return {
    comm: stat.slice(open + 1, close),
    ppid: Number(rest[1]),
    ticks: Number(rest[11]) + Number(rest[12]),
  };
}

/** A thread's time waiting on a run queue for a core (ns; /proc/…/schedstat, second field). */
function runDelayNs(schedstat: string | undefined): number {
  return Number(schedstat?.split(' ')[1] ?? 0);
}

/**
 * `cpu`: CPU ms by thread (and `(process)` totals). `wait`: ms each thread was ready to run but waited for a
 * core (run-queue delay): what a loaded machine adds to every task's wall time.
 */
export function cpuSnapshot(
  root = process.pid,
  measure: 'cpu' | 'wait' = 'cpu',
  /** Names a browser from its command line (default: `host` with the extension loaded, else `guest`). */
  browserName: (args: readonly string[]) => string = (args) =>
    args.some((a) => a.startsWith('--load-extension')) ? 'host' : 'guest',
): CpuSnapshot {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = read(`/proc/${name}/stat`);
    if (stat) parent.set(Number(name), parseStat(stat).ppid);
  }
  const under = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === root) return true;
    return false;
  };
  // Zygote children rewrite their command line as one space-separated string.
  const cmdline = (pid: number) => (read(`/proc/${pid}/cmdline`) ?? '').split(/[\0 ]/);
  // Each Chromium process belongs to the browser process (no --type) it descends from.
  const browsers = new Map<number, string>();
  for (const pid of parent.keys()) {
    if (!under(pid)) continue;
    const args = cmdline(pid);
    if (!/chrom/.test(args[0] ?? '') || args.some((a) => a.startsWith('--type='))) continue;
    browsers.set(pid, browserName(args));
  }
  const snapshot: CpuSnapshot = new Map();
  for (const pid of parent.keys()) {
    let browser = browsers.get(pid);
    for (let p = parent.get(pid); browser === undefined && p !== undefined && p > 1; p = parent.get(p))
      browser = browsers.get(p);
    if (browser === undefined) continue;
    const args = cmdline(pid);
    const kind = args.find((a) => a.startsWith('--type='))?.slice(7) ?? 'browser';
    const type =
      args
        .find((a) => a.startsWith('--utility-sub-type='))
        ?.slice(19)
        .split('.')[0] ?? (kind === 'renderer' && args.includes('--extension-process') ? 'extension' : kind);
    const own = measure === 'cpu' ? read(`/proc/${pid}/stat`) : undefined;
    if (own) {
      // The process's own counters keep the time of threads that ended (a hashing worker is terminated).
      const key = `${browser} ${type} (process)`;
      snapshot.set(key, (snapshot.get(key) ?? 0) + parseStat(own).ticks * TICK_MS);
    }
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      const stat = read(`/proc/${pid}/task/${tid}/stat`);
      if (!stat) continue;
      const { comm, ticks } = parseStat(stat);
      // Numbered pools (ThreadPoolForeg, …) are summed under one name.
      const key = `${browser} ${type} ${tid === String(pid) ? 'main' : comm.replace(/\d+$/, '')}`;
      const ms =
        measure === 'cpu' ? ticks * TICK_MS : runDelayNs(read(`/proc/${pid}/task/${tid}/schedstat`)) / 1e6;
      snapshot.set(key, (snapshot.get(key) ?? 0) + ms);
    }
  }
  return snapshot;
}

/** CPU ms per key between two snapshots (threads that ended in between are lost: a lower bound). */
export function cpuDelta(before: CpuSnapshot, after: CpuSnapshot): CpuSnapshot {
  const delta: CpuSnapshot = new Map();
  for (const [key, ms] of after) {
    const d = ms - (before.get(key) ?? 0);
    if (d > 0) delta.set(key, d);
  }
  return delta;
}

export function addInto(total: CpuSnapshot, more: CpuSnapshot): void {
  for (const [key, ms] of more) total.set(key, (total.get(key) ?? 0) + ms);
}

/** The whole machine's CPU time (ms) by state from /proc/stat, to tell how busy its cores were. */
export function machineCpu(): { busy: number; idle: number; steal: number } {
  const f = (read('/proc/stat') ?? '').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
  return {
    busy: (user + nice + system + irq + softirq) * TICK_MS,
    idle: (idle + iowait) * TICK_MS,
    steal: steal * TICK_MS,
  };
}
