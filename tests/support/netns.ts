import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { CHROMIUM, DIST, chromiumArgs } from './chromium.js';

/*
 * A network fault lab for end-to-end tests: browser namespaces A and B behind a router namespace, and
 * the root namespace (the test process and its signaling server) on a third leg:
 *
 *   root            dy<k>  10.77.k.1  ── up0  10.77.k.2 ┐
 *   A dy-a-<pid>    veth0  10.77.k.6  ── to-a 10.77.k.5 ┼ router dy-r-<pid> (forwards, nothing else)
 *   B dy-b-<pid>    veth0  10.77.k.10 ── to-b 10.77.k.9 ┘
 *
 * Forwarding is switched on only inside the router namespace: the root namespace's sysctls are never
 * touched (parallel runs would race restoring them) and nothing in A or B can reach any other network.
 * All addresses sit in 10.77.k.0/24 with k chosen per run; the root link's name `dy<k>` is the lock,
 * since creating a link is atomic.
 */

export type Side = 'a' | 'b';

/** The lab cannot be built or torn down; the message says what to fix. */
export class NetLabError extends Error {
  override readonly name = 'NetLabError';
}

export interface TrafficCounters {
  /** Bytes the side's interface received / sent, link layer included (what tbf counts too). */
  readonly rxBytes: number;
  readonly txBytes: number;
  /** `performance.now()` when read. */
  readonly at: number;
}

export interface LimitOptions {
  /** Token-bucket depth; 16 kbit is what shared/FIELD-NOTES.md measured with. */
  readonly burstKbit?: number;
  /** How long a packet may wait in the bucket's queue before it is dropped. */
  readonly latencyMs?: number;
}

export interface NetLab {
  readonly namespaces: Readonly<Record<Side | 'router', string>>;
  readonly nsA: string;
  readonly nsB: string;
  /** The root namespace's address, reachable from A and B: bind the signaling server (or TURN) here. */
  readonly serverHost: string;
  /** The address of each browser namespace's only interface: its only ICE host candidate. */
  readonly address: Readonly<Record<Side, string>>;
  /** The lab's only interface in the root namespace. */
  readonly rootLink: string;
  /** An executable that runs Chromium inside the side's namespace (playwright's `executablePath`). */
  wrapper(side: Side): string;
  /** Takes the side's own interface down: the browser sees it vanish (Wi-Fi switched off). */
  linkDown(side: Side): Promise<void>;
  linkUp(side: Side): Promise<void>;
  /** The router silently drops all traffic to and from the side; its interface stays up (a stalled link). */
  partition(side: Side): Promise<void>;
  heal(side: Side): Promise<void>;
  /** Caps what the side sends: tbf on the egress of its interface. */
  limitUpload(side: Side, kbit: number, options?: LimitOptions): Promise<void>;
  /** Caps what the side receives: tbf on the router's egress towards it. */
  limitDownload(side: Side, kbit: number, options?: LimitOptions): Promise<void>;
  /** Removes the side's upload and download limits. */
  clearLimit(side: Side): Promise<void>;
  counters(side: Side): Promise<TrafficCounters>;
  /** Kills what still runs in the namespaces, deletes them and the root link; throws if anything remains. */
  destroy(): Promise<void>;
}

const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((p) => existsSync(p)) ?? 'ip';
const NS_NAME = /^dy-[rab]-(\d+)(?:\.\d+)?$/;
const WRAPPER_DIR = /^diyalog-netns-(\d+)(?:\.\d+)?-/;
const SIDE_IFACE = 'veth0';
const ROUTER_IFACE: Record<Side, string> = { a: 'to-a', b: 'to-b' };
/** Priorities of each side's two blackhole rules in the router's policy routing. */
const PARTITION_PREFS: Record<Side, readonly string[]> = { a: ['100', '101'], b: ['102', '103'] };

let labsInProcess = 0;

async function run(args: readonly string[]): Promise<string> {
  try {
    return (await promisify(execFile)(IP, args, { timeout: 15_000 })).stdout;
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    throw new NetLabError(`\`ip ${args.join(' ')}\` failed: ${stderr || (error as Error).message}`);
  }
}

const ip = (...args: string[]) => run(args);
/** Runs a program (tc, sysctl) inside a namespace. */
const inNs = (ns: string, ...command: string[]) => run(['netns', 'exec', ns, ...command]);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function listNamespaces(): Promise<string[]> {
  return (await ip('netns', 'list'))
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter(Boolean);
}

/** Deletes what runs that died before their teardown left: namespaces (root links go with them), wrappers. */
async function sweepStale(): Promise<void> {
  for (const ns of await listNamespaces()) {
    const owner = Number(NS_NAME.exec(ns)?.[1]);
    if (owner && !alive(owner)) await ip('netns', 'del', ns).catch(() => undefined);
  }
  for (const dir of readdirSync(tmpdir())) {
    const owner = Number(WRAPPER_DIR.exec(dir)?.[1]);
    if (owner && !alive(owner)) rmSync(join(tmpdir(), dir), { recursive: true, force: true });
  }
}

/** Picks a free 10.77.k.0/24 by creating the root link `dy<k>`; "File exists" means another run has k. */
async function claimSubnet(router: string): Promise<{ k: number; rootLink: string }> {
  const inUse =
    (await ip('-4', '-o', 'route', 'show', 'table', 'all')) + (await ip('-4', '-o', 'addr', 'show'));
  for (let i = 0; i < 254; i++) {
    const k = ((process.pid + i) % 254) + 1;
    if (inUse.includes(`10.77.${k}.`)) continue;
    const rootLink = `dy${k}`;
    try {
      await ip('link', 'add', rootLink, 'type', 'veth', 'peer', 'name', 'up0', 'netns', router);
      return { k, rootLink };
    } catch (error) {
      if (!String(error).includes('File exists')) throw error;
    }
  }
  throw new NetLabError('No free 10.77.k.0/24 left: delete leftover `dy*` links and `dy-*` namespaces.');
}

function pidsSync(ns: string): number[] {
  try {
    return execFileSync(IP, ['netns', 'pids', ns], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

function quietly(action: () => void): void {
  try {
    action();
  } catch {
    // Already gone.
  }
}

function tbfArgs(kbit: number, { burstKbit = 16, latencyMs = 400 }: LimitOptions): string[] {
  if (!(kbit > 0)) throw new NetLabError(`A rate limit must be a positive number of kbit/s, got ${kbit}.`);
  return ['tbf', 'rate', `${kbit}kbit`, 'burst', `${burstKbit}kbit`, 'latency', `${latencyMs}ms`];
}

/** Builds the lab. Throws a NetLabError, after removing what it made, when namespaces cannot be made. */
export async function createNetLab(): Promise<NetLab> {
  const suffix = labsInProcess++ === 0 ? `${process.pid}` : `${process.pid}.${labsInProcess}`;
  const namespaces = { a: `dy-a-${suffix}`, b: `dy-b-${suffix}`, router: `dy-r-${suffix}` } as const;
  const all = [namespaces.a, namespaces.b, namespaces.router];
  const wrapperDir = mkdtempSync(join(tmpdir(), `diyalog-netns-${suffix}-`));
  let rootLink: string | undefined;

  // Synchronous, so that it can also run on process 'exit' when a run dies before its teardown.
  const cleanupSync = () => {
    for (const pid of all.flatMap(pidsSync)) quietly(() => process.kill(pid, 'SIGKILL'));
    if (rootLink) quietly(() => execFileSync(IP, ['link', 'del', rootLink!], { stdio: 'ignore' }));
    for (const ns of all) quietly(() => execFileSync(IP, ['netns', 'del', ns], { stdio: 'ignore' }));
    rmSync(wrapperDir, { recursive: true, force: true });
  };
  process.once('exit', cleanupSync);

  let net: string;
  try {
    await sweepStale();
    try {
      await ip('netns', 'add', namespaces.router);
    } catch (error) {
      throw new NetLabError(
        'Network namespaces are unavailable, so the network fault tests cannot run: they need root with ' +
          `CAP_NET_ADMIN and iproute2. ${(error as Error).message}`,
      );
    }
    await ip('netns', 'add', namespaces.a);
    await ip('netns', 'add', namespaces.b);
    for (const ns of all) {
      await ip('-n', ns, 'link', 'set', 'lo', 'up');
      // IPv6 link-local addresses would only add ICE candidates that cannot work across the router.
      await inNs(
        ns,
        'sysctl',
        '-qw',
        'net.ipv6.conf.all.disable_ipv6=1',
        'net.ipv6.conf.default.disable_ipv6=1',
      );
    }
    await inNs(namespaces.router, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');

    const claimed = await claimSubnet(namespaces.router);
    rootLink = claimed.rootLink;
    net = `10.77.${claimed.k}`;
    await ip('link', 'set', rootLink, 'alias', `diyalog netns lab of pid ${process.pid}`);
    await ip('addr', 'add', `${net}.1/30`, 'dev', rootLink);
    await ip('link', 'set', rootLink, 'up');
    await ip('-n', namespaces.router, 'addr', 'add', `${net}.2/30`, 'dev', 'up0');
    await ip('-n', namespaces.router, 'link', 'set', 'up0', 'up');
    await ip('route', 'add', `${net}.0/24`, 'via', `${net}.2`, 'dev', rootLink);

    for (const [side, host] of [
      ['a', 4],
      ['b', 8],
    ] as const) {
      const ns = namespaces[side];
      const routerIface = ROUTER_IFACE[side];
      await ip(
        '-n',
        namespaces.router,
        'link',
        'add',
        routerIface,
        'type',
        'veth',
        'peer',
        'name',
        SIDE_IFACE,
        'netns',
        ns,
      );
      await ip('-n', namespaces.router, 'addr', 'add', `${net}.${host + 1}/30`, 'dev', routerIface);
      await ip('-n', namespaces.router, 'link', 'set', routerIface, 'up');
      await ip('-n', ns, 'addr', 'add', `${net}.${host + 2}/30`, 'dev', SIDE_IFACE);
      await ip('-n', ns, 'link', 'set', SIDE_IFACE, 'up');
      await ip('-n', ns, 'route', 'add', `${net}.0/24`, 'via', `${net}.${host + 1}`);
      const wrapper = join(wrapperDir, `chromium-${side}`);
      writeFileSync(wrapper, `#!/bin/sh\nexec ${IP} netns exec ${ns} ${CHROMIUM} "$@"\n`);
      chmodSync(wrapper, 0o755);
    }
  } catch (error) {
    process.removeListener('exit', cleanupSync);
    cleanupSync();
    throw error;
  }

  const gateway = (side: Side) => `${net}.${side === 'a' ? 5 : 9}`;
  const address = { a: `${net}.6`, b: `${net}.10` } as const;
  let destroyed = false;

  return {
    namespaces,
    nsA: namespaces.a,
    nsB: namespaces.b,
    serverHost: `${net}.1`,
    address,
    rootLink: rootLink!,
    wrapper: (side) => join(wrapperDir, `chromium-${side}`),

    async linkDown(side) {
      await ip('-n', namespaces[side], 'link', 'set', SIDE_IFACE, 'down');
    },
    async linkUp(side) {
      await ip('-n', namespaces[side], 'link', 'set', SIDE_IFACE, 'up');
      // The kernel flushed the route through the gateway when the link went down.
      await ip('-n', namespaces[side], 'route', 'replace', `${net}.0/24`, 'via', gateway(side));
    },

    async partition(side) {
      const [from, to] = PARTITION_PREFS[side];
      await ip('-n', namespaces.router, 'rule', 'add', 'pref', from!, 'from', address[side], 'blackhole');
      await ip('-n', namespaces.router, 'rule', 'add', 'pref', to!, 'to', address[side], 'blackhole');
    },
    async heal(side) {
      for (const pref of PARTITION_PREFS[side]) {
        await ip('-n', namespaces.router, 'rule', 'del', 'pref', pref).catch((error: unknown) => {
          if (!String(error).includes('No such file or directory')) throw error;
        });
      }
    },

    async limitUpload(side, kbit, options = {}) {
      await inNs(
        namespaces[side],
        'tc',
        'qdisc',
        'replace',
        'dev',
        SIDE_IFACE,
        'root',
        ...tbfArgs(kbit, options),
      );
    },
    async limitDownload(side, kbit, options = {}) {
      await inNs(
        namespaces.router,
        'tc',
        'qdisc',
        'replace',
        'dev',
        ROUTER_IFACE[side],
        'root',
        ...tbfArgs(kbit, options),
      );
    },
    async clearLimit(side) {
      for (const [ns, dev] of [
        [namespaces[side], SIDE_IFACE],
        [namespaces.router, ROUTER_IFACE[side]],
      ] as const) {
        // Deleting the default qdisc fails with "handle of zero": there was no limit.
        await inNs(ns, 'tc', 'qdisc', 'del', 'dev', dev, 'root').catch((error: unknown) => {
          if (!String(error).includes('handle of zero')) throw error;
        });
      }
    },

    async counters(side) {
      const [link] = JSON.parse(await ip('-n', namespaces[side], '-s', '-j', 'link', 'show', SIDE_IFACE)) as {
        stats64: { rx: { bytes: number }; tx: { bytes: number } };
      }[];
      if (!link) throw new NetLabError(`${SIDE_IFACE} is missing in ${namespaces[side]}.`);
      return { rxBytes: link.stats64.rx.bytes, txBytes: link.stats64.tx.bytes, at: performance.now() };
    },

    async destroy() {
      if (destroyed) return;
      destroyed = true;
      process.removeListener('exit', cleanupSync);
      cleanupSync();
      // Killed processes leave their namespace asynchronously; nothing may be left behind.
      const deadline = Date.now() + 5000;
      let leftovers: string[] = [];
      do {
        const names = await listNamespaces();
        const links = await ip('-o', 'link', 'show').catch(() => '');
        leftovers = [
          ...all.filter((ns) => names.includes(ns)),
          ...(new RegExp(`^\\d+: ${rootLink}[@:]`, 'm').test(links) ? [rootLink!] : []),
          ...all.flatMap((ns) => pidsSync(ns).map((pid) => `process ${pid} in ${ns}`)),
        ];
        if (leftovers.length === 0) return;
        cleanupSync();
        await new Promise((r) => setTimeout(r, 100));
      } while (Date.now() < deadline);
      throw new NetLabError(`The network lab was not torn down completely: ${leftovers.join(', ')} remain.`);
    },
  };
}

/** Flags for a browser inside the lab: no loopback candidates, and the server's plain-http origin trusted. */
export function labArgs(serverUrl: string): string[] {
  return [
    // Each namespace has its own 127.0.0.1: a loopback candidate could never reach the other side.
    ...chromiumArgs().filter((arg) => arg !== '--allow-loopback-in-peer-connection'),
    // The join page needs getUserMedia and crypto.subtle, which need a secure context; only
    // localhost would be one on plain http.
    `--unsafely-treat-insecure-origin-as-secure=${new URL(serverUrl).origin}`,
  ];
}

export interface LabExtensionBrowser {
  readonly context: BrowserContext;
  readonly extensionId: string;
  /**
   * A browser-level DevTools session over playwright's pipe. (chromium.ts reaches it through
   * DevToolsActivePort on 127.0.0.1, which is the namespace's own loopback here.)
   */
  readonly cdp: CDPSession;
  /** Opens one of the extension's pages as a tab. */
  open(path: string): Promise<Page>;
  close(): Promise<void>;
}

/** A fresh profile with the built extension, running in the side's namespace, set to use `serverUrl`. */
export async function launchExtensionIn(
  lab: NetLab,
  side: Side,
  serverUrl: string,
): Promise<LabExtensionBrowser> {
  if (!existsSync(join(DIST, 'manifest.json')))
    throw new Error('dist/ is missing: run `npm run build` first');
  const profile = mkdtempSync(join(tmpdir(), 'diyalog-profile-'));
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: lab.wrapper(side),
      headless: true,
      args: [...labArgs(serverUrl), `--disable-extensions-except=${DIST}`, `--load-extension=${DIST}`],
      viewport: { width: 420, height: 760 },
    });
    const worker =
      context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 15_000 }));
    const extensionId = new URL(worker.url()).host;
    await worker.evaluate((url) => chrome.storage.local.set({ serverUrl: url }), serverUrl);
    const cdp = await context.browser()!.newBrowserCDPSession();
    const launched = context;
    return {
      context,
      extensionId,
      cdp,
      async open(path) {
        const page = await launched.newPage();
        await page.goto(`chrome-extension://${extensionId}/${path}`);
        return page;
      },
      async close() {
        await launched.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await context?.close().catch(() => undefined);
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
}

/** A plain Chromium without the extension in the side's namespace: the invitee's browser. */
export async function launchPlainIn(
  lab: NetLab,
  side: Side,
  serverUrl: string,
): Promise<{ browser: Browser; page: Page }> {
  const browser = await chromium.launch({
    executablePath: lab.wrapper(side),
    headless: true,
    args: labArgs(serverUrl),
  });
  const context = await browser.newContext({ viewport: { width: 1000, height: 760 } });
  return { browser, page: await context.newPage() };
}
