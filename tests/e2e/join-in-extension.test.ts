import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchWithExtension, type ExtensionBrowser } from '../support/chromium.js';
import { startServer } from '../support/server.js';

const SHOTS = resolve(import.meta.dirname, '../../test-results/screenshots');
mkdirSync(SHOTS, { recursive: true });

const STATUS = `document.querySelector('[role=status]')?.textContent ?? ''`;
const ALERT = `document.querySelector('[role=alert]')?.textContent ?? ''`;

/** Decoded frames of the panel's video labelled `label` over one second (> 0: video really arrives). */
const framesIn = (label: string) => `(async () => {
  const video = document.querySelector('video[aria-label^="${label}"]');
  if (!video) return -1;
  const before = video.getVideoPlaybackQuality().totalVideoFrames;
  await new Promise((r) => setTimeout(r, 1000));
  return video.getVideoPlaybackQuality().totalVideoFrames - before;
})()`;

/** Types `text` into the popup's link box as a paste would (Svelte's binding listens to `input`). */
const pasteInto = (text: string) => `(() => {
  const box = document.getElementById('join-link');
  box.value = ${JSON.stringify(text)};
  box.dispatchEvent(new Event('input', { bubbles: true }));
})()`;

/** Clicks the toolbar button over an ordinary tab and returns the real popup once its buttons are live. */
async function openPopup(browser: ExtensionBrowser, tabUrl: string): Promise<string> {
  const tab = await browser.context.newPage();
  await tab.goto(tabUrl);
  await browser.cdp.clickToolbarButton(browser.extensionId, tabUrl);
  const popup = await browser.cdp.waitForTarget('/popup.html');
  await expect
    .poll(() => browser.cdp.evaluate<boolean>(popup, `!!document.querySelector('button:not([disabled])')`))
    .toBe(true);
  return popup;
}

/**
 * Two extension users: the invitee joins from the popup, so the call runs in their side panel and never in a
 * page the signaling server served. Two Chromium profiles, each with the extension, the real popup and the
 * real side panel (reached through CDP).
 */
describe('"Join a call" in the extension, between two extension profiles', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let host: ExtensionBrowser;
  let guest: ExtensionBrowser;

  beforeAll(async () => {
    server = await startServer();
    [host, guest] = await Promise.all([
      launchWithExtension({ serverUrl: server.url }),
      // The guest's own server setting does not matter: the link names the server.
      launchWithExtension(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([host?.close(), guest?.close()]);
    await server?.close();
  });

  test('a pasted damaged link is refused with words, a whole one joins: video both ways, hang-up reaches the host', async () => {
    const tabUrl = `${server.url}/health`;
    const hostPopup = await openPopup(host, tabUrl);
    await host.cdp.click(hostPopup, 'button');
    const hostPanel = await host.cdp.waitForTarget('/sidepanel.html');
    await expect
      .poll(() => host.cdp.evaluate<string>(hostPanel, STATUS), { timeout: 15_000 })
      .toBe('Waiting for someone to join');
    const link = await host.cdp.evaluate<string>(hostPanel, `document.getElementById('invite-link').value`);

    // The guest pasted the link but lost its secret: "Join call" says what is wrong and opens nothing.
    const damaged = link.replace(/#s=.*$/, '');
    const guestPopup = await openPopup(guest, tabUrl);
    await guest.cdp.evaluate(guestPopup, pasteInto(`Join me: ${damaged}`));
    await guest.cdp.click(guestPopup, 'button[type=submit]');
    await expect
      .poll(() => guest.cdp.evaluate<string>(guestPopup, ALERT))
      .toBe(
        'This invite link is incomplete or damaged. Ask the person who invited you to copy the link again.',
      );
    expect(await guest.cdp.evaluate<string>(guestPopup, `document.getElementById('join-link').value`)).toBe(
      `Join me: ${damaged}`,
    );
    expect((await guest.cdp.targets()).some((t) => t.url.endsWith('/sidepanel.html'))).toBe(false);

    // The whole link pasted into the box: "Join call" opens the guest's side panel, which joins.
    await guest.cdp.evaluate(guestPopup, pasteInto(`Join me: ${link}`));
    await guest.cdp.screenshot(guestPopup, `${SHOTS}/popup-join.png`);
    await guest.cdp.click(guestPopup, 'button[type=submit]');
    const guestPanel = await guest.cdp.waitForTarget('/sidepanel.html');
    await expect
      .poll(() => guest.cdp.evaluate<string>(guestPanel, STATUS), { timeout: 15_000 })
      .toBe('Connected');
    await expect
      .poll(() => host.cdp.evaluate<string>(hostPanel, STATUS), { timeout: 10_000 })
      .toBe('Connected');
    // Real media both ways: each side decodes the other's camera.
    expect(await guest.cdp.evaluate<number>(guestPanel, framesIn('Remote video'))).toBeGreaterThan(0);
    expect(await host.cdp.evaluate<number>(hostPanel, framesIn('Remote video'))).toBeGreaterThan(0);
    // The guest's panel is a guest's: no invite link of its own to hand out.
    expect(await guest.cdp.evaluate<boolean>(guestPanel, `!!document.getElementById('invite-link')`)).toBe(
      false,
    );
    await guest.cdp.screenshot(guestPanel, `${SHOTS}/sidepanel-guest-connected.png`);

    await guest.cdp.click(guestPanel, 'button.danger');
    await expect
      .poll(() => host.cdp.evaluate<string>(hostPanel, STATUS), { timeout: 10_000 })
      .toBe('Call ended — the other person hung up');
    expect(await guest.cdp.evaluate<string>(guestPanel, STATUS)).toBe('Call ended');
  });
});
