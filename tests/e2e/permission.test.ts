import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchWithExtension, type ExtensionBrowser } from '../support/chromium.js';
import { startServer } from '../support/server.js';

const SHOTS = resolve(import.meta.dirname, '../../test-results/screenshots');
mkdirSync(SHOTS, { recursive: true });

describe('camera and microphone not yet allowed (a fresh profile)', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let host: ExtensionBrowser;

  beforeAll(async () => {
    server = await startServer();
    host = await launchWithExtension({ serverUrl: server.url, autoGrantMedia: false });
  });
  afterAll(async () => {
    await host?.close();
    await server?.close();
  });

  test('"Start call" opens the permission page and the panel says why, instead of failing silently', async () => {
    const panel = await host.open('sidepanel.html');
    const permissionTab = host.context.waitForEvent('page', { timeout: 10_000 });
    await panel.getByRole('button', { name: 'Start call' }).click();

    // The side panel cannot show the browser's prompt, so it explains and opens a tab that can.
    await expect
      .poll(() => panel.getByRole('status').first().textContent())
      .toBe('Diyalog needs your camera and microphone. Allow them in the tab that just opened.');
    await panel.getByRole('button', { name: 'Allow camera and microphone' }).waitFor();
    const tab = await permissionTab;
    expect(tab.url()).toBe(`chrome-extension://${host.extensionId}/permission.html`);
    await tab.getByRole('heading', { name: 'Camera and microphone for Diyalog' }).waitFor();
    await tab.screenshot({ path: `${SHOTS}/permission-page.png` });
    await panel.screenshot({ path: `${SHOTS}/sidepanel-needs-permission.png` });
    // No call started behind the user's back: nothing registered with the server.
    const health = (await (await fetch(`${server.url}/health`)).json()) as { peers: number };
    expect(health.peers).toBe(0);
  });
});
