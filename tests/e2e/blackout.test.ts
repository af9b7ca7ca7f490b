import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { joinCall, recordStatus, startWaitingCall, statusText } from '../support/call-flow.js';
import { framesAdvancing } from '../support/chromium.js';
import {
  createNetLab,
  launchExtensionIn,
  launchPlainIn,
  type LabExtensionBrowser,
  type NetLab,
} from '../support/netns.js';
import { framesResume, iceUfrags, probeContext } from '../support/resilience.js';
import { startServer } from '../support/server.js';

/*
 * Issue 6's network blackouts, between two browsers in separate network namespaces (tests/support/netns.ts):
 * the guest's side (B) loses the network mid-call, either because its interface vanishes (linkDown, Wi-Fi
 * switched off) or because the router silently drops its traffic (partition, a stalled link).
 *   - 5 s: shorter than ICE's failure timeout; the call recovers by itself, and nothing of ours may get in
 *     the way: frames again within 1.5 s of the network coming back.
 *   - 25 s: without an ICE restart the connection fails ~16 s in and never comes back (FIELD-NOTES); with
 *     it the UI says "Reconnecting… (N s)" meanwhile and frames flow again within 2.5 s.
 *   - past the give-up limit (RECONNECT_LIMIT_SECONDS, 20 here): "Connection lost" and "Try again", not a
 *     hang.
 */

const RECONNECTING = /^Reconnecting… \((\d+) s\)$/;
const GIVE_UP_SECONDS = 20;

interface Sample {
  /** ms since the cut */
  readonly t: number;
  readonly hostStatus: string;
  readonly guestStatus: string;
  readonly hostFrames: number;
  readonly guestFrames: number;
}

describe('calls through network blackouts between two namespaces', () => {
  let lab: NetLab;
  let server: Awaited<ReturnType<typeof startServer>>;
  let host: LabExtensionBrowser;
  let guest: Awaited<ReturnType<typeof launchPlainIn>>;
  let panel: Page;
  let join: Page;

  beforeAll(async () => {
    lab = await createNetLab();
    server = await startServer({ HOST: lab.serverHost });
    [host, guest] = await Promise.all([
      launchExtensionIn(lab, 'a', server.url),
      launchPlainIn(lab, 'b', server.url),
    ]);
    // The pages' peer connections, for the connection states printed along the way.
    await probeContext(host.context);
    await probeContext(guest.page.context());
    panel = await host.open('sidepanel.html');
    join = guest.page;
  });
  afterAll(async () => {
    await Promise.allSettled([lab?.heal('b'), lab?.linkUp('b')]);
    await Promise.allSettled([host?.close(), guest?.browser.close()]);
    await server?.close();
    await lab?.destroy();
  });

  /** A new call, whatever state the last test left: the side panel reloaded, the guest on the new link. */
  async function freshCall(): Promise<void> {
    await panel.reload();
    await joinCall(join, await startWaitingCall(panel));
    for (const page of [panel, join]) {
      await expect.poll(() => statusText(page), { timeout: 15_000 }).toBe('Connected');
    }
    for (const page of [panel, join]) {
      await expect
        .poll(() => framesAdvancing(page, 'Remote video', 500), { timeout: 10_000 })
        .toBeGreaterThan(5);
    }
  }

  /** `connectionState` of the page's newest peer connection (for the log). */
  const pcState = (page: Page) =>
    page
      .evaluate(`(window.__diyalogProbe?.peerConnections().at(-1)?.connectionState ?? 'none')`)
      .catch(() => '?') as Promise<string>;

  /** Both sides' ICE user fragments (local/remote) and signaling/connection states, for the log. */
  const iceSummary = async () => {
    const one = (page: Page) =>
      iceUfrags(page).then(
        (u) => `${u.local}/${u.remote} ${u.state}`,
        (error: unknown) => String(error).split('\n')[0],
      );
    return `ufrags local/remote: host ${await one(panel)}, guest ${await one(join)}`;
  };

  /** Status lines and frames on both sides, every ~300 ms, until `until` says stop. */
  async function watch(cutAt: number, until: (s: Sample) => boolean, maxMs: number): Promise<Sample[]> {
    const samples: Sample[] = [];
    while (Date.now() - cutAt < maxMs) {
      const [hostFrames, guestFrames, hostStatus, guestStatus] = await Promise.all([
        framesAdvancing(panel, 'Remote video', 250).catch(() => -1),
        framesAdvancing(join, 'Remote video', 250).catch(() => -1),
        statusText(panel),
        statusText(join),
      ]);
      const sample = { t: Date.now() - cutAt, hostStatus, guestStatus, hostFrames, guestFrames };
      samples.push(sample);
      if (until(sample)) break;
      // No video element (the call ended): do not spin.
      if (hostFrames < 0 && guestFrames < 0) await new Promise((r) => setTimeout(r, 250));
    }
    return samples;
  }

  /** Each side's status changes as `text@ms`, for the log. */
  function timeline(samples: readonly Sample[], side: 'host' | 'guest'): string {
    const key = side === 'host' ? 'hostStatus' : 'guestStatus';
    return samples
      .filter((s, i) => i === 0 || s[key].replace(/\d+ s/, '') !== samples[i - 1]![key].replace(/\d+ s/, ''))
      .map((s) => `${s[key]}@${s.t}`)
      .join(' → ');
  }

  /**
   * Milliseconds from `since` until remote video flows again on each side (a new frame followed by at
   * least 5 more within a second; undefined: not in time), and to the very first new frame (for the log).
   */
  async function framesBack(since: number, timeoutMs: number) {
    const back = (page: Page) =>
      framesResume(page, 'Remote video', timeoutMs).then(
        ({ first, sustained }) => ({ ms: sustained - since, firstMs: first - since }),
        () => ({ ms: undefined, firstMs: undefined }),
      );
    const [host, guest] = await Promise.all([back(panel), back(join)]);
    return {
      hostMs: host.ms,
      guestMs: guest.ms,
      detail: `first new frame ${host.firstMs ?? '–'} / ${guest.firstMs ?? '–'} ms`,
    };
  }

  const ENDED = /^(Call ended|Connection lost)/;
  const kinds = [
    { cut: 'linkDown', restore: 'linkUp' },
    { cut: 'partition', restore: 'heal' },
  ] as const;

  for (const { cut, restore } of kinds) {
    // A 5 s outage needs no restart (ICE notices only ~6 s in); this checks that nothing of ours gets in the
    // way. Bytes flow again 0.05–0.25 s after the network returns; each side then sends a keyframe at once
    // (PeerLink, on `flowing`), and frames came back in 0.15–0.9 s in 5 of 6 runs (3.2 s in one, at load 27;
    // before the keyframe, 0.1–4.3 s, the receiver asking for one only ~0.75 s in). The 1.5 s target is
    // reported by `npm run bench:recovery`, not asserted here.
    test(`${cut}('b') for 5 s: frames again within 4 s of ${restore}, the call never ends`, async () => {
      await freshCall();
      const recorders = await Promise.all([recordStatus(panel), recordStatus(join)]);
      const cutAt = Date.now();
      await lab[cut]('b');
      const during = await watch(cutAt, () => false, 5000);
      const restoreAt = Date.now();
      await lab[restore]('b');
      const { hostMs, guestMs, detail } = await framesBack(restoreAt, 10_000);
      console.log(
        `${cut} 5 s: frames back ${hostMs ?? 'never'} ms (host) / ${guestMs ?? 'never'} ms (guest) after ` +
          `${restore} (${detail}); frames per 250 ms during (host/guest) ` +
          `${during.map((s) => `${s.hostFrames}/${s.guestFrames}`).join(' ')}; ` +
          `host: ${timeline(during, 'host')}; guest: ${timeline(during, 'guest')}`,
      );
      expect(during.filter((s) => ENDED.test(s.hostStatus) || ENDED.test(s.guestStatus))).toEqual([]);
      // The frozen picture is said within 2 s of the cut (ICE alone would say nothing for ~9 s).
      const told = await Promise.all(
        recorders.map(
          async (r) => ((await r.firstShown(/^(Connection unstable|Reconnecting)/)) ?? Infinity) - cutAt,
        ),
      );
      console.log(`${cut} 5 s: the freeze said ${told[0]} ms (host) / ${told[1]} ms (guest) after the cut`);
      for (const ms of told) expect(ms).toBeLessThanOrEqual(2000);
      expect(hostMs, 'host: remote frames came back').toBeDefined();
      expect(guestMs, 'guest: remote frames came back').toBeDefined();
      expect(hostMs!).toBeLessThanOrEqual(4000);
      expect(guestMs!).toBeLessThanOrEqual(4000);
      for (const page of [panel, join]) {
        await expect
          .poll(() => framesAdvancing(page, 'Remote video', 1000), { timeout: 10_000 })
          .toBeGreaterThan(5);
        await expect.poll(() => statusText(page), { timeout: 5000 }).toBe('Connected');
      }
    }, 60_000);
  }

  for (const { cut, restore } of kinds) {
    test(`${cut}('b') for 25 s: "Reconnecting…" meanwhile, frames again within ${cut === 'linkDown' ? '2.5' : '4'} s of ${restore}`, async () => {
      await freshCall();
      const cutAt = Date.now();
      await lab[cut]('b');
      const during = await watch(cutAt, () => false, 25_000);
      const states = `pc states at ${restore}: host ${await pcState(panel)}, guest ${await pcState(join)}`;
      const restoreAt = Date.now();
      await lab[restore]('b');
      const { hostMs, guestMs, detail } = await framesBack(restoreAt, 15_000);
      const after = await watch(
        cutAt,
        (s) => s.hostStatus === 'Connected' && s.guestStatus === 'Connected',
        Date.now() - cutAt + 10_000,
      );
      const all = [...during, ...after];
      const statesAfter = `pc states after: host ${await pcState(panel)}, guest ${await pcState(join)}; ${await iceSummary()}`;
      const seconds = (text: string) => Number(RECONNECTING.exec(text)?.[1] ?? -1);
      const reconnecting = (key: 'hostStatus' | 'guestStatus') =>
        during.filter((s) => RECONNECTING.test(s[key]));
      console.log(
        `${cut} 25 s: frames back ${hostMs ?? 'never'} ms (host) / ${guestMs ?? 'never'} ms (guest) after ` +
          `${restore} (${detail}); ${states}; ${statesAfter}; host: ${timeline(all, 'host')}; guest: ${timeline(all, 'guest')}`,
      );
      // Honest states: it said it was reconnecting, counted the seconds, and never claimed the call ended.
      for (const key of ['hostStatus', 'guestStatus'] as const) {
        expect(
          reconnecting(key).length,
          `${key} said "Reconnecting… (N s)" during the outage`,
        ).toBeGreaterThan(0);
        // N counts seconds: from the first "Reconnecting…" sample to the last, it grew with the clock.
        const [first, last] = [reconnecting(key)[0]!, reconnecting(key).at(-1)!];
        expect(seconds(last[key])).toBeGreaterThanOrEqual(10);
        expect(
          Math.abs(seconds(last[key]) - seconds(first[key]) - (last.t - first.t) / 1000),
        ).toBeLessThanOrEqual(2);
      }
      expect(all.filter((s) => ENDED.test(s.hostStatus) || ENDED.test(s.guestStatus))).toEqual([]);
      expect(hostMs, 'host: remote frames came back').toBeDefined();
      expect(guestMs, 'guest: remote frames came back').toBeDefined();
      // The interface coming back is the issue's test: 2.5 s. A partition healed with the interface up gives
      // the browser no network event, so signaling finds its way back only at its next attempt (at most ~1 s
      // apart, each waiting 1.5 or 4.5 s for the server): 4 s. Measured 0.4–1.0 s since the socket is
      // checked from its opening; before, 0.2–15 s (README).
      const limit = cut === 'linkDown' ? 2500 : 4000;
      expect(hostMs!).toBeLessThanOrEqual(limit);
      expect(guestMs!).toBeLessThanOrEqual(limit);
      for (const page of [panel, join]) {
        await expect
          .poll(() => framesAdvancing(page, 'Remote video', 1000), { timeout: 10_000 })
          .toBeGreaterThan(5);
        await expect.poll(() => statusText(page), { timeout: 5000 }).toBe('Connected');
      }
    }, 120_000);
  }

  test(`a partition past the give-up limit (${GIVE_UP_SECONDS} s) ends in "Connection lost" with "Try again"`, async () => {
    // The same port, so that the browsers' secure-origin flag still covers the server.
    const { port } = server;
    await server.close();
    server = await startServer({
      HOST: lab.serverHost,
      PORT: String(port),
      RECONNECT_LIMIT_SECONDS: String(GIVE_UP_SECONDS),
    });
    await freshCall();
    const cutAt = Date.now();
    await lab.partition('b');
    const lost = (text: string) => text.startsWith('Connection lost');
    const during = await watch(
      cutAt,
      (s) => lost(s.hostStatus) && lost(s.guestStatus),
      (GIVE_UP_SECONDS + 25) * 1000,
    );
    const firstLost = (key: 'hostStatus' | 'guestStatus') => during.find((s) => lost(s[key]))?.t;
    const [hostLostMs, guestLostMs] = [firstLost('hostStatus'), firstLost('guestStatus')];
    const tryAgain = await Promise.all(
      [panel, join].map((page) => page.getByRole('button', { name: 'Try again' }).isVisible()),
    );
    console.log(
      `partition past the limit: "Connection lost" ${hostLostMs ?? 'never'} ms (host) / ` +
        `${guestLostMs ?? 'never'} ms (guest) after the cut; "Try again" shown host ${tryAgain[0]}, guest ` +
        `${tryAgain[1]}; host: ${timeline(during, 'host')}; guest: ${timeline(during, 'guest')}`,
    );
    // Given up means given up while the network stays away: still "Connection lost" 3 s later, no hang.
    const held = await watch(Date.now(), () => false, 3000);
    for (const key of ['hostStatus', 'guestStatus'] as const) {
      expect(
        during.some((s) => RECONNECTING.test(s[key])),
        `${key} said "Reconnecting…" first`,
      ).toBe(true);
    }
    expect(hostLostMs, 'the host gave up').toBeDefined();
    expect(guestLostMs, 'the guest gave up').toBeDefined();
    // The limit counts from when recovery starts (ICE disconnected for a few seconds, at most its ~16 s
    // failure timeout), so allow that on top of the limit itself.
    expect(hostLostMs!).toBeLessThanOrEqual((GIVE_UP_SECONDS + 18) * 1000);
    expect(guestLostMs!).toBeLessThanOrEqual((GIVE_UP_SECONDS + 18) * 1000);
    expect(hostLostMs!).toBeGreaterThanOrEqual(GIVE_UP_SECONDS * 1000);
    expect(tryAgain).toEqual([true, true]);
    expect(during.some((s) => /^Call ended/.test(s.hostStatus) || /^Call ended/.test(s.guestStatus))).toBe(
      false,
    );
    expect(held.every((s) => lost(s.hostStatus) && lost(s.guestStatus))).toBe(true);

    // "Try again" (on the guest, the side that restarts ICE) starts recovery over — here while the network
    // is still away, so that it is the button and not the network's return that is seen — and once the
    // network is back the call is too.
    await join.getByRole('button', { name: 'Try again' }).click();
    await expect.poll(() => statusText(join), { timeout: 3000, interval: 100 }).toMatch(RECONNECTING);
    const healAt = Date.now();
    await lab.heal('b');
    const recovered = await watch(
      healAt,
      (s) => /^Connected/.test(s.hostStatus) && /^Connected/.test(s.guestStatus),
      15_000,
    );
    const last = recovered.at(-1)!;
    console.log(
      `"Try again" on the guest while still cut off: ${timeline(recovered, 'guest')} (guest), ` +
        `${timeline(recovered, 'host')} (host), ms after heal; pc states then: host ${await pcState(panel)}, ` +
        `guest ${await pcState(join)}; ${await iceSummary()}`,
    );
    // Both sides are back: the one that pressed it, and the other, whose own "Connection lost" ends with the
    // restart that says a user's "Try again" is under way. (This used to fail in about half the runs: the
    // guest's signaling socket, cut off two seconds into a fresh call, had never been checked for echoes, so
    // its restart offers sat in a dead TCP connection until well after the heal; see src/call/signaling.ts.)
    expect(last.guestStatus).toMatch(/^Connected/);
    expect(last.hostStatus).toMatch(/^Connected/);
    const video = await framesBack(healAt, 10_000);
    console.log(
      `video after "Try again": back ${video.hostMs ?? 'never'} ms (host) / ${video.guestMs ?? 'never'} ms (guest) after heal`,
    );
    expect(video.hostMs, 'host: remote frames came back').toBeDefined();
    expect(video.guestMs, 'guest: remote frames came back').toBeDefined();
  }, 150_000);
});
