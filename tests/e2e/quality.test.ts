import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { audioLevel, framesAdvancing } from '../support/chromium.js';
import {
  createNetLab,
  launchExtensionIn,
  launchPlainIn,
  type LabExtensionBrowser,
  type NetLab,
} from '../support/netns.js';
import { joinCall, startWaitingCall } from '../support/call-flow.js';
import { startServer } from '../support/server.js';

const SHOTS = resolve(import.meta.dirname, '../../test-results/screenshots');
mkdirSync(SHOTS, { recursive: true });

const status = (page: Page) => page.getByRole('status').first();
const BANNER =
  /^Audio only — your connection is too slow for video \(upload ~\d+ kbps\)\. Video will come back by itself\.$/;
const PAUSED = "The other person's video is paused: poor connection";
const LOWERED =
  /^Video lowered to low quality — your connection is slow \(upload ~\d+ kbps\)\. Automatic audio-only is off in your settings\.$/;
const REMOTE_LOWERED = "The other person's connection is poor: their video is at low quality";

/*
 * Adaptive quality under a real bandwidth limit: the guest's upload (namespace B) is cut to 100 kbit/s with
 * tbf. createNetLab() throws when namespaces cannot be made, so this fails loudly rather than skipping.
 */
describe('call quality under a real upload limit', () => {
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
  });
  afterAll(async () => {
    await lab?.clearLimit('b').catch(() => undefined);
    await Promise.allSettled([host?.close(), guest?.browser.close()]);
    await server?.close();
    await lab?.destroy();
  });

  test('connects with a quality indicator on both sides', async () => {
    panel = await host.open('sidepanel.html');
    join = guest.page;
    await joinCall(join, await startWaitingCall(panel));
    for (const page of [join, panel]) {
      await expect.poll(() => status(page).textContent(), { timeout: 15_000 }).toBe('Connected');
      await expect
        .poll(() => framesAdvancing(page, 'Remote video', 1000), { timeout: 10_000 })
        .toBeGreaterThan(5);
      await expect
        .poll(() => page.getByRole('img', { name: /^Connection quality: \d of 5 bars$/ }).count(), {
          timeout: 10_000,
        })
        .toBe(1);
    }
    await join.getByRole('button', { name: 'Connection details' }).click();
    await expect.poll(() => join.getByText('Round trip').count()).toBe(1);
    await expect
      .poll(() =>
        join
          .getByRole('checkbox', { name: 'Switch to audio only automatically when the connection is poor' })
          .isChecked(),
      )
      .toBe(true);
    await join.getByRole('button', { name: 'Connection details' }).click();
  });

  test('a 100 kbit/s upload on the guest: audio only within 10 s, audio still flows, video comes back', async () => {
    const limited = performance.now();
    await lab.limitUpload('b', 100);
    const banner = join.getByText(BANNER);
    await expect.poll(() => banner.count(), { timeout: 10_000, interval: 250 }).toBe(1);
    const toAudioOnly = Math.round(performance.now() - limited);
    expect(await status(join).textContent()).toContain('Audio only');
    expect(await join.getByRole('button', { name: 'Try video anyway' }).count()).toBe(1);
    await expect.poll(() => panel.getByText(PAUSED).count(), { timeout: 5000 }).toBe(1);
    await join.screenshot({ path: `${SHOTS}/quality-sender-audio-only.png` });
    await panel.screenshot({ path: `${SHOTS}/quality-receiver-paused.png` });

    // Audio keeps reaching the host (the fake microphone beeps about once a second).
    await expect
      .poll(() => audioLevel(panel, 'Remote video', 2000), { timeout: 10_000 })
      .toBeGreaterThan(0.01);

    const lifted = performance.now();
    await lab.clearLimit('b');
    // From audio-only the policy tries video (hidden) 2 s after the step down, then after 4, 8, 16… s, as soon
    // as Chromium would probe the link; a trial is confirmed after 4 samples. bench:quality: 10.3–21.3 s (10 runs).
    const limitMs = 25_000;
    await expect
      .poll(() => join.getByText(/Audio only —/).count(), { timeout: limitMs, interval: 250 })
      .toBe(0);
    await expect.poll(() => panel.getByText(PAUSED).count(), { timeout: 5000, interval: 250 }).toBe(0);
    const videoBack = Math.round(performance.now() - lifted);
    expect(videoBack).toBeLessThanOrEqual(limitMs);
    expect(await banner.count()).toBe(0);
    expect(await status(join).textContent()).toBe('Connected');
    await expect
      .poll(() => framesAdvancing(panel, 'Remote video', 1000), { timeout: 10_000 })
      .toBeGreaterThan(3);
    console.log(`audio only ${toAudioOnly} ms after the limit; video back ${videoBack} ms after lifting it`);
  }, 120_000);

  test('with automatic audio-only off, the sender is told its video is lowered and why, the receiver why it sees so little', async () => {
    const fallback = join.getByRole('checkbox', {
      name: 'Switch to audio only automatically when the connection is poor',
    });
    await join.getByRole('button', { name: 'Connection details' }).click();
    await fallback.uncheck();
    await join.getByRole('button', { name: 'Connection details' }).click();
    const limited = performance.now();
    await lab.limitUpload('b', 100);
    const lowered = join.getByText(LOWERED);
    await expect.poll(() => lowered.count(), { timeout: 15_000, interval: 250 }).toBe(1);
    const toldSender = Math.round(performance.now() - limited);
    await expect
      .poll(() => panel.getByText(REMOTE_LOWERED).count(), { timeout: 5000, interval: 250 })
      .toBe(1);
    const toldReceiver = Math.round(performance.now() - limited);
    // Video keeps going (at low), and nobody says "audio only".
    expect(await status(join).textContent()).toBe('Connected');
    expect(await join.getByText(/^Audio only —/).count()).toBe(0);
    expect(await panel.getByText(PAUSED).count()).toBe(0);
    await join.screenshot({ path: `${SHOTS}/quality-sender-lowered-no-fallback.png` });
    await panel.screenshot({ path: `${SHOTS}/quality-receiver-lowered.png` });
    await lab.clearLimit('b');
    console.log(`fallback off: sender told ${toldSender} ms, receiver ${toldReceiver} ms after the limit`);
  }, 60_000);
});
