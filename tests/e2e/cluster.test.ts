import { admissionAuthorization, admissionFor } from '../../src/call/admission.js';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { joinCall, startWaitingCall, statusText } from '../support/call-flow.js';
import {
  framesAdvancing,
  launchPlain,
  launchWithExtension,
  type ExtensionBrowser,
} from '../support/chromium.js';
import { startNginx, type RunningNginx } from '../support/nginx.js';
import { freeLoopbackPort, startRedis, type RunningRedis } from '../support/redis.js';
import {
  iceUfrags,
  probeContext,
  makesOffers,
  restartIceIn,
  sleep,
  startServerProcess,
  stopOnExit,
  type ServerProcess,
} from '../support/resilience.js';

/*
 * Issue 16 end to end: Debian's nginx round-robin on loopback in front of two peer-server instances on one
 * Redis, no sticky sessions. The host (extension side panel) and the guest (join page) have their sockets on
 * different instances; the host's instance is SIGKILLed mid-call: media goes on peer to peer, the host's
 * socket comes back through nginx on the other instance, and an ICE restart goes through it.
 */

/** Clients reconnect with backoff capped at 8 s (with jitter), as in resilience.test.ts. */
const REREGISTER_LIMIT_MS = 9000;
const HEARTBEAT_MS = 1000;

describe('a call through nginx in front of two instances', () => {
  let redis: RunningRedis;
  let nginx: RunningNginx;
  let instances: ServerProcess[];
  let host: ExtensionBrowser;
  let guest: Awaited<ReturnType<typeof launchPlain>>;

  beforeAll(async () => {
    redis = await startRedis();
    const [portA, portB, proxyPort] = await Promise.all([
      freeLoopbackPort(),
      freeLoopbackPort(),
      freeLoopbackPort(),
    ]);
    // Links and origins name nginx's address; the instances trust its X-Forwarded-For.
    const env = (name: string) => ({
      REDIS_URL: redis.url,
      INSTANCE_ID: name,
      PUBLIC_URL: `http://127.0.0.1:${proxyPort}`,
      TRUST_PROXY: '1',
      // Presence timing scaled down (dead after 3 s, reaped by 4 s) so that the test sees past it quickly.
      CLUSTER_HEARTBEAT_MS: String(HEARTBEAT_MS),
    });
    instances = await Promise.all([
      startServerProcess({ port: portA, env: env('a') }),
      startServerProcess({ port: portB, env: env('b') }),
    ]);
    instances.forEach(stopOnExit);
    nginx = await startNginx([portA, portB], proxyPort);
    [host, guest] = await Promise.all([launchWithExtension({ serverUrl: nginx.url }), launchPlain()]);
    await probeContext(host.context);
    await probeContext(guest.page.context());
  });
  afterAll(async () => {
    await Promise.allSettled([host?.close(), guest?.browser.close()]);
    await nginx?.stop();
    await Promise.allSettled((instances ?? []).map((server) => server.stop('SIGKILL')));
    await redis?.stop();
  });

  /**
   * The instance and (hashed) id of the first to join `room` since `since`: the host, who waits in the room
   * before the guest opens the link (the room is nobody's id: everyone registers a random one).
   */
  async function hostOf(room: string, since: number): Promise<{ server: ServerProcess; id: string }> {
    for (const until = Date.now() + 15_000; Date.now() < until; await sleep(50)) {
      const joins = instances.flatMap((server) =>
        server.events
          // Logs hold keyed hashes of ids (LOG_ID_KEY, the same on every instance), never the ids.
          .filter((e) => e.event === 'room-joined' && e.room === server.logId(room) && e.at >= since)
          .map((e) => ({ server, id: e.id!, at: e.at })),
      );
      const first = joins.sort((a, b) => a.at - b.at)[0];
      if (first) return first;
    }
    throw new Error(`nobody joined ${room} on any instance`);
  }

  test('host and guest on different instances; the host’s instance killed mid-call: media flows, the host comes back through nginx, ICE restarts', async () => {
    const panel: Page = await host.open('sidepanel.html');
    const join = guest.page;
    const since = Date.now();
    const link = await startWaitingCall(panel);
    expect(new URL(link).origin).toBe(nginx.url);
    const room = new URL(link).pathname.split('/').at(-1)!;
    await joinCall(join, link);
    for (const page of [panel, join])
      await expect.poll(() => statusText(page), { timeout: 15_000 }).toBe('Connected');
    for (const page of [panel, join])
      await expect
        .poll(() => framesAdvancing(page, 'Remote video', 500), { timeout: 10_000 })
        .toBeGreaterThan(3);

    const { server: hostInstance, id: hostId } = await hostOf(room, since);
    const guestEvent = await (async () => {
      for (const until = Date.now() + 15_000; Date.now() < until; await sleep(50)) {
        for (const server of instances) {
          const event = server.events.find(
            (e) => e.event === 'room-joined' && e.room === server.logId(room) && e.id !== hostId,
          );
          if (event) return { server, id: event.id! };
        }
      }
      throw new Error('the guest never joined');
    })();
    const name = (server: ServerProcess) => (server === instances[0] ? 'a' : 'b');
    console.log(`host socket on instance ${name(hostInstance)}, guest socket on ${name(guestEvent.server)}`);
    // Round-robin over sockets: the second socket goes to the other instance. The call was signaled across them.
    expect(guestEvent.server).not.toBe(hostInstance);
    const other = guestEvent.server;

    const samples: { t: number; host: number; guest: number; hostStatus: string; guestStatus: string }[] = [];
    let sampling = true;
    const killedAt = Date.now();
    const sampler = (async () => {
      while (sampling) {
        const [h, g, hostStatus, guestStatus] = await Promise.all([
          framesAdvancing(panel, 'Remote video', 500),
          framesAdvancing(join, 'Remote video', 500),
          statusText(panel),
          statusText(join),
        ]);
        samples.push({ t: Date.now() - killedAt, host: h, guest: g, hostStatus, guestStatus });
      }
    })();

    await hostInstance.stop('SIGKILL');
    const back = await other.waitForEvent(
      (e) => e.event === 'room-joined' && e.room === other.logId(room) && e.id === hostId,
      {
        since: killedAt,
        timeoutMs: 20_000,
      },
    );
    const hostBackMs = back.at - killedAt;
    // Past the dead instance's presence timeout (3 silent beats, reaped at the next), so that a wrong
    // LEAVE for the host would have reached the guest by now.
    await sleep(Math.max(0, 5 * HEARTBEAT_MS + 1000 - (Date.now() - killedAt)));
    sampling = false;
    await sampler;
    console.log(
      `host's instance SIGKILLed: host re-registered on instance ${name(other)} after ${hostBackMs} ms; ` +
        `remote frames per 500 ms (host/guest): ${samples.map((s) => `${s.host}/${s.guest}`).join(' ')}; ` +
        `statuses seen: ${[...new Set(samples.flatMap((s) => [s.hostStatus, s.guestStatus]))].join(' | ')}`,
    );
    expect(hostBackMs).toBeLessThanOrEqual(REREGISTER_LIMIT_MS);
    expect(samples.filter((s) => s.host === 0 || s.guest === 0)).toEqual([]);
    expect(
      samples.filter((s) => !/^Connected/.test(s.hostStatus) || !/^Connected/.test(s.guestStatus)),
    ).toEqual([]);
    // The host is back in its room; nobody reaped it.
    expect(
      other.events
        .filter((e) => e.event === 'room-left' && e.id === hostId && e.at >= killedAt)
        .map((e) => `room-left ${String(e.reason)} at ${e.at - killedAt} ms`),
    ).toEqual([]);
    const secret = new URLSearchParams(new URL(link).hash.slice(1)).get('s')!;
    const authorization = admissionAuthorization(await admissionFor(secret));
    const status = await fetch(`${nginx.url}/api/rooms/${room}`, {
      headers: { Authorization: authorization },
    });
    expect(await status.json()).toEqual({ waiting: true });

    // ICE restart through the instance that is left.
    const before = { host: await iceUfrags(panel), guest: await iceUfrags(join) };
    // The side that made the offer (the smaller id) restarts, as the product does on a failure.
    await restartIceIn((await makesOffers(join)) ? join : panel);
    await expect
      .poll(
        async () => {
          const [h, g] = [await iceUfrags(panel), await iceUfrags(join)];
          return (
            g.local !== before.guest.local &&
            h.local !== before.host.local &&
            g.state === 'stable/connected' &&
            h.state === 'stable/connected'
          );
        },
        { timeout: 10_000, interval: 100 },
      )
      .toBe(true);
    const after = { host: await iceUfrags(panel), guest: await iceUfrags(join) };
    expect(after.guest.remote).toBe(after.host.local);
    expect(after.host.remote).toBe(after.guest.local);
    for (const page of [panel, join]) {
      await expect
        .poll(() => framesAdvancing(page, 'Remote video', 1000), { timeout: 10_000 })
        .toBeGreaterThan(5);
      expect(await statusText(page)).toBe('Connected');
    }
    await join.getByRole('button', { name: 'Hang up' }).click();
    await expect.poll(() => statusText(panel), { timeout: 5000 }).toMatch(/^Call ended/);
    await panel.close();
  }, 120_000);
});
