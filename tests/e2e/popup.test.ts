import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchWithExtension, type ExtensionBrowser } from '../support/chromium.js';
import { startServer } from '../support/server.js';

const SHOTS = resolve(import.meta.dirname, '../../test-results/screenshots');
mkdirSync(SHOTS, { recursive: true });

/** Runs in a real extension surface (popup, side panel) that Playwright cannot reach as a page. */
const statusIn = (expression = `document.querySelector('[role=status]')?.textContent ?? ''`) => expression;

describe('the toolbar popup', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let host: ExtensionBrowser;

  beforeAll(async () => {
    server = await startServer();
    host = await launchWithExtension({ serverUrl: server.url });
  });
  afterAll(async () => {
    await host?.close();
    await server?.close();
  });

  test('"Start call" opens the side panel with a waiting call and puts the invite link on the clipboard', async () => {
    const tab = await host.context.newPage();
    const tabUrl = `${server.url}/health`;
    await tab.goto(tabUrl);
    await host.cdp.clickToolbarButton(host.extensionId, tabUrl);
    const popup = await host.cdp.waitForTarget('/popup.html');

    // The real popup: wait until it has loaded its settings, then click "Start call" as the user would.
    await expect
      .poll(() => host.cdp.evaluate<boolean>(popup, `!!document.querySelector('button:not([disabled])')`))
      .toBe(true);
    expect(
      await host.cdp.evaluate<string>(popup, `document.querySelector('button').textContent.trim()`),
    ).toBe('Start call');
    await host.cdp.screenshot(popup, `${SHOTS}/popup.png`);
    await host.cdp.click(popup, 'button');

    // The real side panel opens (Playwright does not list it: it is reached through the browser's CDP).
    const panel = await host.cdp.waitForTarget('/sidepanel.html');
    await expect
      .poll(() => host.cdp.evaluate<string>(panel, statusIn()), { timeout: 15_000 })
      .toBe('Waiting for someone to join');
    const link = await host.cdp.evaluate<string>(panel, `document.getElementById('invite-link').value`);
    expect(link).toMatch(new RegExp(`^${server.url}/join/[A-Za-z0-9_-]{22}#s=[A-Za-z0-9_-]{22}$`));
    await host.cdp.screenshot(panel, `${SHOTS}/real-sidepanel-waiting.png`);

    // The panel says the link is copied only once its own copy succeeded: the popup's write alone can be lost
    // when its document dies as the panel opens.
    await expect
      .poll(() => host.cdp.evaluate<string>(panel, `document.querySelector('.hint')?.textContent ?? ''`))
      .toBe('Link copied. Paste it to the person you want to call.');

    // The clipboard holds the same link (read from an ordinary page the test may grant clipboard access). The
    // copy is done by now, so one read must see it: a poll here would hide a copy that lands late or not at all.
    await host.context.grantPermissions(['clipboard-read'], { origin: server.url });
    await tab.bringToFront();
    expect(await tab.evaluate(() => navigator.clipboard.readText())).toBe(link);

    // Clicked again while the call runs, the popup shows the call's state and offers to reopen the panel.
    await host.cdp.clickToolbarButton(host.extensionId, tabUrl);
    const again = await host.cdp.waitForTarget('/popup.html');
    await expect.poll(() => host.cdp.evaluate<string>(again, statusIn())).toBe('Waiting for someone to join');
    expect(
      await host.cdp.evaluate<string>(again, `document.querySelector('button').textContent.trim()`),
    ).toBe('Open call panel');
    await host.cdp.screenshot(again, `${SHOTS}/popup-in-call.png`);
  });
});
