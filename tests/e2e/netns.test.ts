import { execFileSync } from 'node:child_process';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { framesAdvancing } from '../support/chromium.js';
import {
  createNetLab,
  launchExtensionIn,
  launchPlainIn,
  type LabExtensionBrowser,
  type NetLab,
} from '../support/netns.js';
import { joinCall, recordStatus, startWaitingCall } from '../support/call-flow.js';
import { pageProbe, probeContext, videoJitterBuffer } from '../support/resilience.js';
import { startServer } from '../support/server.js';

const status = (page: Page) => page.getByRole('status').first();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;

interface Sample {
  readonly kbps: number;
  readonly fps: number;
}

describe('the network fault lab, under a real call between two namespaces', () => {
  let lab: NetLab;
  let server: Awaited<ReturnType<typeof startServer>>;
  let host: LabExtensionBrowser;
  let guest: Awaited<ReturnType<typeof launchPlainIn>>;
  let panel: Page;
  let join: Page;

  /** Host A's incoming traffic (kbit/s on its interface) and remote video frame rate over `ms`. */
  async function sampleHost(ms = 1000): Promise<Sample> {
    const before = await lab.counters('a');
    const frames = await framesAdvancing(panel, 'Remote video', ms);
    const after = await lab.counters('a');
    const seconds = (after.at - before.at) / 1000;
    return {
      kbps: Math.round(((after.rxBytes - before.rxBytes) * 8) / 1000 / seconds),
      fps: Math.round((frames / seconds) * 10) / 10,
    };
  }

  /** Milliseconds from now until both sides' remote video advances again. */
  async function timeToFrames(timeoutMs: number): Promise<Record<'host' | 'guest', number>> {
    const start = performance.now();
    const wait = async (page: Page) => {
      while (performance.now() - start < timeoutMs) {
        if ((await framesAdvancing(page, 'Remote video', 100)) > 0)
          return Math.round(performance.now() - start);
      }
      throw new Error(`remote video did not come back within ${timeoutMs} ms`);
    };
    const [hostMs, guestMs] = await Promise.all([wait(panel), wait(join)]);
    return { host: hostMs, guest: guestMs };
  }

  beforeAll(async () => {
    lab = await createNetLab();
    server = await startServer({ HOST: lab.serverHost });
    [host, guest] = await Promise.all([
      launchExtensionIn(lab, 'a', server.url),
      launchPlainIn(lab, 'b', server.url),
    ]);
    // The probe reaches each page's peer connection, for the receivers' jitter buffers.
    await probeContext(host.context);
    await guest.page.context().addInitScript({ content: pageProbe({ noIceRestart: false }) });
  });
  afterAll(async () => {
    await Promise.allSettled([host?.close(), guest?.browser.close()]);
    await server?.close();
    await lab?.destroy();
  });

  test('a call connects from namespace A to namespace B through the router', async () => {
    panel = await host.open('sidepanel.html');
    join = guest.page;
    await joinCall(join, await startWaitingCall(panel));
    await expect.poll(() => status(join).textContent(), { timeout: 15_000 }).toBe('Connected');
    await expect.poll(() => status(panel).textContent(), { timeout: 15_000 }).toBe('Connected');
    for (const page of [panel, join]) {
      await expect
        .poll(() => framesAdvancing(page, 'Remote video', 1000), { timeout: 10_000 })
        .toBeGreaterThan(5);
    }
    // The media really crosses the lab: A's interface carries a video stream's worth of traffic.
    const sample = await sampleHost(2000);
    console.log(`connected: host in ${sample.kbps} kbit/s at ${sample.fps} fps`);
    expect(sample.kbps).toBeGreaterThan(200);
    // The browser-level DevTools session crosses the namespace over playwright's pipe.
    const { targetInfos } = await host.cdp.send('Target.getTargets');
    expect(targetInfos.map((t) => t.url)).toContain(`chrome-extension://${host.extensionId}/sidepanel.html`);
  });

  const outages = [
    { cut: 'linkDown', restore: 'linkUp' },
    { cut: 'partition', restore: 'heal' },
  ] as const;
  for (const { cut, restore } of outages) {
    test(`${cut}('b') for 5 s freezes the remote video, which comes back by itself after ${restore}`, async () => {
      // What the receivers already hold still plays after the cut. After an earlier outage heals, Chromium can
      // hold received video 0.3–1.5 s (jitter-buffer delay far above its ~15 ms target) and keep part of that
      // for 30 s or more, so the freeze shows in the picture that much after it happens on the wire.
      // (A test of a freeze needs moving video to begin with: after the previous outage, or a second of a
      // starved machine, one side may still be waiting for its first frame.)
      let held: Awaited<ReturnType<typeof videoJitterBuffer>>[] = [];
      await expect
        .poll(
          async () => {
            held = await Promise.all([videoJitterBuffer(panel), videoJitterBuffer(join)]);
            return held.every((h) => Number.isFinite(h.delayMs));
          },
          { timeout: 15_000, interval: 0 },
        )
        .toBe(true);
      const heldMs = Math.max(...held.map((h) => h.delayMs));
      const recorders = await Promise.all([recordStatus(panel), recordStatus(join)]);
      const cutAt = Date.now();
      const start = performance.now();
      await lab[cut]('b');
      const during: { t: number; host: number; guest: number; rx: number }[] = [];
      let counters = await Promise.all([lab.counters('a'), lab.counters('b')]);
      while (performance.now() - start < 5000) {
        const [host, guest] = await Promise.all([
          framesAdvancing(panel, 'Remote video', 500),
          framesAdvancing(join, 'Remote video', 500),
        ]);
        const now = await Promise.all([lab.counters('a'), lab.counters('b')]);
        const rx = Math.max(...now.map((c, i) => c.rxBytes - counters[i]!.rxBytes));
        counters = now;
        during.push({ t: Math.round(performance.now() - start), host, guest, rx });
      }
      await lab[restore]('b');
      const back = await timeToFrames(10_000);
      const frozenAt = during.find((s, i) => during.slice(i).every((l) => l.host + l.guest === 0))?.t;
      console.log(
        `${cut} of B for 5 s: video held in the jitter buffers at the cut ` +
          `${held.map((h) => `${h.delayMs}`).join('/')} ms (host/guest); per 500 ms, remote frames (host/guest) ` +
          `and the most bytes either side received: ` +
          `${during.map((s) => `${s.host}/${s.guest} ${s.rx} B`).join(', ')}; both frozen by ${frozenAt} ms; ` +
          `back ${back.host} ms (host) and ${back.guest} ms (guest) after ${restore}`,
      );
      // The media is cut from the first half second on: what still reaches A is its signaling with the
      // server (a few KB), against 20–60 KB per half second of video before.
      for (const sample of during.slice(1)) expect(sample.rx).toBeLessThan(8000);
      // The picture freezes once the receivers have played what they held: up to ~1.5 s after a bandwidth
      // limit has grown their buffers, plus what they were measured to hold at the cut.
      expect(frozenAt).toBeLessThanOrEqual(2500 + heldMs);
      // ICE says nothing for ~9 s; the call says so within 2 s of the picture freezing (at the cut), from
      // what arrives. Timed in the page, at the status line's change.
      const told = await Promise.all(
        recorders.map(
          async (r) => ((await r.firstShown(/^(Connection unstable|Reconnecting)/)) ?? Infinity) - cutAt,
        ),
      );
      console.log(`the freeze said ${told[0]} ms (host) / ${told[1]} ms (guest) after the cut`);
      for (const ms of told) expect(ms).toBeLessThanOrEqual(2000);
      // Back: "Connected" again on both sides.
      for (const page of [panel, join]) {
        await expect.poll(() => status(page).textContent(), { timeout: 5000 }).toBe('Connected');
      }
    });
  }

  test('an upload limit on B starves the host of video until it is lifted', async () => {
    // Start from steady video, not from the tail of an earlier recovery.
    await expect
      .poll(async () => (await sampleHost(1000)).fps, { timeout: 15_000 })
      .toBeGreaterThanOrEqual(15);
    const baseline = await sampleHost(2000);
    await lab.limitUpload('b', 100);
    const limited: Sample[] = [];
    for (let i = 0; i < 8; i++) limited.push(await sampleHost(1000));
    const lifted = performance.now();
    await lab.clearLimit('b');
    const after: Sample[] = [];
    let overCapMs: number | undefined;
    // Under the limit the guest goes audio only (src/call/quality/); its policy tries video again ~30 s
    // after that step down, then needs ~5 good seconds to confirm it. Video returns at the `low` level
    // (at most 15 fps) and climbs a level per 10 s or more, so "back" means well clear of the 0–2 fps of
    // starvation, not the full frame rate of before.
    const backFps = Math.min(10, baseline.fps * 0.75);
    while (performance.now() - lifted < 60_000) {
      after.push(await sampleHost(500));
      if (overCapMs === undefined && after.at(-1)!.kbps > 140)
        overCapMs = Math.round(performance.now() - lifted);
      if (after.at(-1)!.fps >= backFps) break;
    }
    const recoveredMs = Math.round(performance.now() - lifted);
    const cappedKbps = Math.max(...limited.map((s) => s.kbps));
    const limitedFps = median(limited.map((s) => s.fps));
    console.log(
      `upload limit 100 kbit/s on B: host in ${baseline.kbps} kbit/s at ${baseline.fps} fps before; ` +
        `per second under the limit ${limited.map((s) => `${s.kbps}/${s.fps}`).join(' ')} (kbit/s / fps); ` +
        `lifted: over the old cap after ${overCapMs ?? '–'} ms, fps back over ${backFps} after ${recoveredMs} ms, ` +
        `then ${after.map((s) => `${s.kbps}/${s.fps}`).join(' ')}`,
    );
    // tbf holds from the first second; the video barely moves while it does.
    expect(cappedKbps).toBeLessThan(140);
    expect(baseline.kbps).toBeGreaterThan(cappedKbps * 1.5);
    expect(limitedFps).toBeLessThan(baseline.fps / 2);
    expect(after.at(-1)!.fps).toBeGreaterThanOrEqual(backFps);
  }, 120_000);

  test('a download limit on A caps what the host receives', async () => {
    await lab.limitDownload('a', 150);
    await sleep(1000);
    const limited = [await sampleHost(1000), await sampleHost(1000)];
    await lab.clearLimit('a');
    console.log(`download limit 150 kbit/s on A: host in ${limited.map((s) => s.kbps).join(', ')} kbit/s`);
    for (const sample of limited) expect(sample.kbps).toBeLessThan(200);
    // The guest's sender sees the limit too and may go audio only: allow for its ~30 s way back.
    await expect
      .poll(() => framesAdvancing(panel, 'Remote video', 500), { timeout: 60_000 })
      .toBeGreaterThan(5);
  }, 90_000);

  test('destroy() leaves no namespace, link or process behind', async () => {
    await Promise.all([host.close(), guest.browser.close()]);
    await server.close();
    await lab.destroy();
    const namespaces = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    for (const ns of Object.values(lab.namespaces)) expect(namespaces).not.toContain(ns);
    expect(execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })).not.toMatch(
      new RegExp(`^\\d+: ${lab.rootLink}[@:]`, 'm'),
    );
    const subnet = lab.serverHost.replace(/\.1$/, '.');
    expect(execFileSync('ip', ['-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' })).not.toContain(
      subnet,
    );
  });
});
