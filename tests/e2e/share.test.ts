import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { joinCall, startWaitingCall } from '../support/call-flow.js';
import { framesAdvancing, launchPlain, type ExtensionBrowser } from '../support/chromium.js';
import { startServer } from '../support/server.js';
import {
  audibleShare,
  launchSharingHost,
  looksLikeCamera,
  near,
  PAGE_COLOURS,
  peerConnectionStates,
  recordPeerConnections,
  sentVideo,
  startColourPages,
  videoColour,
} from '../support/share.js';

const SHOTS = process.env.SHOTS_DIR ?? resolve(import.meta.dirname, '../../test-results/screenshots');
mkdirSync(SHOTS, { recursive: true });

const status = (page: Page) => page.getByRole('status').first();
const RED = PAGE_COLOURS.red;

/*
 * Sharing a tab in real Chromium, host (extension, tab opened as the side panel) to guest (join page). The
 * host's browser keeps the fake camera but not the fake permission prompt (see launchSharingHost). CDP's
 * Extensions.triggerAction stands in for the click on the toolbar button (Chrome's "invocation", which tab
 * capture requires), and the real popup's "Share this tab" gets a trusted mouse click.
 */
describe('sharing a tab during a call', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let pages: Awaited<ReturnType<typeof startColourPages>>;
  let host: ExtensionBrowser;
  let guest: Awaited<ReturnType<typeof launchPlain>>;
  let panel: Page;
  let join: Page;

  beforeAll(async () => {
    [server, pages] = await Promise.all([startServer(), startColourPages()]);
    [host, guest] = await Promise.all([launchSharingHost(server.url), launchPlain()]);
    await Promise.all([recordPeerConnections(host.context), recordPeerConnections(guest.page)]);
  });
  afterAll(async () => {
    await Promise.allSettled([host?.close(), guest?.browser.close()]);
    await Promise.allSettled([server?.close(), pages?.close()]);
  });

  /** Opens `url` in a new tab, brings it to the front and clicks the toolbar button on it, then "Share this tab". */
  async function shareFromPopup(url: string): Promise<Page> {
    const tab = await host.context.newPage();
    await tab.setViewportSize({ width: 1280, height: 720 });
    await tab.goto(url);
    await tab.bringToFront();
    await host.cdp.clickToolbarButton(host.extensionId, url);
    const popup = await host.cdp.waitForTarget('/popup.html');
    await expect
      .poll(
        () =>
          host.cdp.evaluate<string>(
            popup,
            `document.querySelector('button.primary')?.textContent.trim() ?? ''`,
          ),
        { timeout: 10_000 },
      )
      .toBe('Share this tab');
    await host.cdp.click(popup, 'button.primary');
    return tab;
  }

  const remoteColour = () => videoColour(join, 'Remote video');
  const isRed = (c: number[]) => near(c, RED);
  /** Red, from frames that arrive now (not the last frame before video paused). */
  const redNow = async () =>
    (await framesAdvancing(join, 'Remote video', 500)) > 0 && isRed(await remoteColour());
  const cameraNow = async () =>
    (await framesAdvancing(join, 'Remote video', 500)) > 0 && looksLikeCamera(await remoteColour());

  test('a call: the guest sees the host camera and hears its microphone', async () => {
    panel = await host.open('sidepanel.html');
    join = guest.page;
    await joinCall(join, await startWaitingCall(panel));
    for (const page of [join, panel]) {
      await expect.poll(() => status(page).textContent(), { timeout: 15_000 }).toBe('Connected');
    }
    await expect.poll(cameraNow, { timeout: 10_000 }).toBe(true);
    const audible = await audibleShare(join, 'Remote video');
    console.log('camera colour on the guest', await remoteColour(), 'audible share (mic only)', audible);
    expect(audible).toBeLessThan(0.7);
  });

  test('first share: the question names the tab; the guest sees and hears it; audio only resumes the tab; stop brings the camera back', async () => {
    const camera = await remoteColour();
    await shareFromPopup(pages.url('red'));
    const question = panel.getByRole('alertdialog', { name: 'Share ‘Red page’ with the call?' });
    await question.waitFor({ timeout: 10_000 });
    await panel.screenshot({ path: `${SHOTS}/share-consent-light.png` });
    await panel.emulateMedia({ colorScheme: 'dark' });
    await panel.screenshot({ path: `${SHOTS}/share-consent-dark.png` });
    await panel.emulateMedia({ colorScheme: 'light' });
    // Nothing is shared before the answer.
    expect(await cameraNow()).toBe(true);
    await question.getByRole('button', { name: 'Share tab' }).click();

    const indicator = panel.getByRole('region', { name: 'Sharing' });
    await expect
      .poll(() => indicator.textContent(), { timeout: 10_000 })
      .toContain('You are sharing ‘Red page’');
    await expect
      .poll(() => join.getByText('The other person is sharing ‘Red page’').count(), { timeout: 10_000 })
      .toBe(1);
    await expect.poll(redNow, { timeout: 15_000, interval: 250 }).toBe(true);
    // The tab's steady tone reaches the guest, mixed with the microphone.
    await expect.poll(() => audibleShare(join, 'Remote video'), { timeout: 10_000 }).toBeGreaterThan(0.9);
    console.log('shared colour on the guest', await remoteColour(), 'camera was', camera);
    console.log('audible share while sharing', await audibleShare(join, 'Remote video'));
    // Mute silences the microphone, not the shared tab.
    await panel.getByRole('button', { name: 'Mute' }).click();
    await expect.poll(() => join.getByText('Muted', { exact: true }).count(), { timeout: 5000 }).toBe(1);
    expect(await audibleShare(join, 'Remote video', 2000)).toBeGreaterThan(0.9);
    await panel.getByRole('button', { name: 'Unmute' }).click();
    // Text over motion: the tab is marked as detail and the sender keeps resolution at a capped frame rate.
    expect(await sentVideo(panel)).toEqual([
      { hint: 'detail', preference: 'maintain-resolution', maxFramerate: 15 },
    ]);
    await panel.screenshot({ path: `${SHOTS}/share-indicator-light.png` });
    await join.screenshot({ path: `${SHOTS}/share-receiver-light.png` });
    await panel.emulateMedia({ colorScheme: 'dark' });
    await join.emulateMedia({ colorScheme: 'dark' });
    await panel.screenshot({ path: `${SHOTS}/share-indicator-dark.png` });
    await join.screenshot({ path: `${SHOTS}/share-receiver-dark.png` });
    await panel.emulateMedia({ colorScheme: 'light' });
    await join.emulateMedia({ colorScheme: 'light' });

    // Audio only while sharing: video stops, and what comes back is the tab, not the camera.
    await panel.getByRole('button', { name: 'Audio only' }).click();
    await expect
      .poll(() => join.getByText('The other person switched to audio only').count(), { timeout: 10_000 })
      .toBe(1);
    await panel.getByRole('button', { name: 'Turn video back on' }).click();
    await expect
      .poll(() => join.getByText('The other person switched to audio only').count(), { timeout: 15_000 })
      .toBe(0);
    await expect.poll(redNow, { timeout: 15_000, interval: 250 }).toBe(true);

    await indicator.getByRole('button', { name: 'Stop sharing' }).click();
    await expect.poll(cameraNow, { timeout: 10_000, interval: 250 }).toBe(true);
    expect(near(await remoteColour(), camera, 60)).toBe(true);
    expect(await join.getByText(/The other person is sharing/).count()).toBe(0);
    expect(await sentVideo(panel)).toEqual([
      { hint: '', preference: 'maintain-framerate', maxFramerate: 30 },
    ]);
    expect(await audibleShare(join, 'Remote video')).toBeLessThan(0.7);
  });

  test('the next share needs no question; closing the shared tab returns to the camera by itself', async () => {
    const tab = await shareFromPopup(pages.url('red'));
    await expect.poll(redNow, { timeout: 15_000, interval: 250 }).toBe(true);
    expect(await panel.getByRole('alertdialog').count()).toBe(0);
    await tab.close();
    const notice = panel
      .getByRole('alert')
      .getByText('Sharing stopped: the shared tab was closed. The call shows your camera again.', {
        exact: true,
      });
    await notice.waitFor({ timeout: 10_000 });
    await expect.poll(cameraNow, { timeout: 10_000, interval: 250 }).toBe(true);
    expect(await join.getByText(/The other person is sharing/).count()).toBe(0);
    await panel.screenshot({ path: `${SHOTS}/share-tab-closed.png` });
    await panel.getByRole('button', { name: 'Dismiss' }).click();
    expect(await notice.count()).toBe(0);
  });

  test('a shared tab that loads another page (same site or not) returns to the camera; a new #fragment does not', async () => {
    const tab = await shareFromPopup(pages.url('red'));
    await expect.poll(redNow, { timeout: 15_000, interval: 250 }).toBe(true);
    // A new #fragment (web apps change it on every click) is the same page: the share goes on.
    await tab.evaluate(() => (location.hash = 'part-2'));
    await new Promise((r) => setTimeout(r, 1500));
    expect(await panel.getByRole('region', { name: 'Sharing' }).count()).toBe(1);
    expect(isRed(await remoteColour())).toBe(true);
    await tab.goto(pages.url('blue'));
    await panel
      .getByRole('alert')
      .getByText(/^Sharing stopped: the shared tab went to another page\./)
      .waitFor({ timeout: 10_000 });
    await expect.poll(cameraNow, { timeout: 10_000, interval: 250 }).toBe(true);
    await tab.close();
    await panel.getByRole('button', { name: 'Dismiss' }).click();

    // To another site (Chrome then hides the address from us): the same.
    const again = await shareFromPopup(pages.url('red'));
    await expect.poll(redNow, { timeout: 15_000, interval: 250 }).toBe(true);
    await again.goto(pages.url('blue').replace('127.0.0.1', 'localhost'));
    await panel
      .getByRole('alert')
      .getByText(/^Sharing stopped: the shared tab went to another page\./)
      .waitFor({ timeout: 10_000 });
    await expect.poll(cameraNow, { timeout: 10_000, interval: 250 }).toBe(true);
    await again.close();
    await panel.getByRole('button', { name: 'Dismiss' }).click();
  });

  test("the side panel's own button: refused with directions until the toolbar button is clicked on the tab, then shares", async () => {
    const tab = await host.context.newPage();
    await tab.setViewportSize({ width: 1280, height: 720 });
    await tab.goto(pages.url('red'));
    await tab.bringToFront();
    await panel.getByRole('button', { name: 'Share this tab' }).click();
    await panel
      .getByRole('alert')
      .getByText(/^Chrome lets Diyalog share a tab only after you click the Diyalog button in the toolbar/)
      .waitFor({ timeout: 10_000 });
    await panel.screenshot({ path: `${SHOTS}/share-not-invoked.png` });
    expect(await cameraNow()).toBe(true);

    // The toolbar click is Chrome's invocation; the panel's button then shares that tab (no question again).
    await host.cdp.clickToolbarButton(host.extensionId, pages.url('red'));
    await panel.getByRole('button', { name: 'Share this tab' }).click();
    await expect.poll(redNow, { timeout: 15_000, interval: 250 }).toBe(true);
    await panel
      .getByRole('region', { name: 'Sharing' })
      .getByRole('button', { name: 'Stop sharing' })
      .click();
    await expect.poll(cameraNow, { timeout: 10_000, interval: 250 }).toBe(true);
    await tab.close();
  });

  test('a browser page cannot be shared, and the popup says so', async () => {
    const tab = await host.context.newPage();
    await tab.goto('chrome://version');
    await tab.bringToFront();
    await host.cdp.clickToolbarButton(host.extensionId, 'chrome://version/');
    const popup = await host.cdp.waitForTarget('/popup.html');
    await expect
      .poll(
        () =>
          host.cdp.evaluate<string>(
            popup,
            `document.querySelector('button.primary')?.textContent.trim() ?? ''`,
          ),
        { timeout: 10_000 },
      )
      .toBe('Share this tab');
    await host.cdp.click(popup, 'button.primary');
    await expect
      .poll(
        () => host.cdp.evaluate<string>(popup, `document.querySelector('[role=alert]')?.textContent ?? ''`),
        {
          timeout: 5000,
        },
      )
      .toMatch(/^This tab cannot be shared: browsers do not let extensions show their own pages/);
    await host.cdp.screenshot(popup, `${SHOTS}/share-popup-not-capturable.png`);
    expect(await cameraNow()).toBe(true);
    await tab.close();
  });

  test('all of it within one call that never reconnected', async () => {
    expect(await peerConnectionStates(join)).toEqual(['connected']);
    expect(await peerConnectionStates(panel)).toEqual(['connected']);
    expect(await status(join).textContent()).toBe('Connected');
    await expect.poll(cameraNow).toBe(true);
  });
});
