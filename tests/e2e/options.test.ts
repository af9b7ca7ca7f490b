import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DIST, framesAdvancing, launchWithExtension, type ExtensionBrowser } from '../support/chromium.js';

const SHOTS = resolve(import.meta.dirname, '../../test-results/screenshots');
mkdirSync(SHOTS, { recursive: true });

describe('the options and welcome pages', () => {
  let host: ExtensionBrowser;

  beforeAll(async () => {
    host = await launchWithExtension();
  });
  afterAll(async () => {
    await host?.close();
  });

  test('keeps name, devices, audio-only and server; "Test my camera and microphone" shows video and a moving level', async () => {
    const page = await host.open('options.html');
    await page.getByRole('heading', { name: 'Diyalog options' }).waitFor();
    const stored = () =>
      page.evaluate(() =>
        chrome.storage.local.get(['displayName', 'cameraId', 'microphoneId', 'autoFallback', 'serverUrl']),
      );

    await page.getByLabel('Your name').fill('  Ayşe   Yılmaz ');
    await page.getByLabel('Your name').blur();
    await expect.poll(async () => (await stored()).displayName).toBe('Ayşe Yılmaz');

    await page.getByRole('checkbox', { name: /audio only automatically/ }).uncheck();
    await expect.poll(async () => (await stored()).autoFallback).toBe(false);

    await page.getByLabel('Server URL').fill('ftp://example.org');
    await page.getByRole('button', { name: 'Save server' }).click();
    await page.getByRole('alert').getByText('must start with http:// or https://').waitFor();
    await page.getByLabel('Server URL').fill('https://calls.example.org/');
    await page.getByRole('button', { name: 'Save server' }).click();
    await expect.poll(async () => (await stored()).serverUrl).toBe('https://calls.example.org');

    await page.getByRole('button', { name: 'Test my camera and microphone' }).click();
    await expect
      .poll(() => framesAdvancing(page, 'Camera preview', 500), { timeout: 10_000 })
      .toBeGreaterThan(0);
    // Chromium's fake microphone beeps: the meter must move above silence at some point.
    let peak = 0;
    await expect
      .poll(async () => (peak = Math.max(peak, Number(await page.locator('meter').getAttribute('value')))), {
        timeout: 10_000,
        interval: 100,
      })
      .toBeGreaterThan(0.01);

    // With the camera allowed, the devices have names; pick the fake camera and microphone.
    const camera = page.getByLabel('Camera', { exact: true });
    const cameraIds = await camera
      .locator('option')
      .evaluateAll((o) => o.map((x) => (x as HTMLOptionElement).value));
    expect(cameraIds.filter(Boolean).length).toBeGreaterThan(0);
    await camera.selectOption(cameraIds.filter(Boolean)[0]!);
    await expect.poll(async () => (await stored()).cameraId).toBe(cameraIds.filter(Boolean)[0]);
    await page.screenshot({ path: `${SHOTS}/options.png`, fullPage: true });
    await page.getByRole('button', { name: 'Stop the test' }).click();
    await page.getByRole('button', { name: 'Test my camera and microphone' }).waitFor();
  });

  test('the welcome page npm start opens says how to pin Diyalog and start a call, with the shortcut', async () => {
    // scripts/start.mjs opens chrome-extension://<id from the manifest key>/welcome.html: the same id.
    const key = (JSON.parse(readFileSync(resolve(DIST, 'manifest.json'), 'utf8')) as { key: string }).key;
    const hex = createHash('sha256').update(Buffer.from(key, 'base64')).digest('hex').slice(0, 32);
    expect(host.extensionId).toBe([...hex].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join(''));

    const page = await host.open('welcome.html');
    await page.getByRole('heading', { name: 'Welcome to Diyalog' }).waitFor();
    await page.getByRole('heading', { name: 'Pin Diyalog to the toolbar' }).waitFor();
    await page.getByText('press Alt+Shift+D').waitFor();
    await page.setViewportSize({ width: 760, height: 760 });
    await page.screenshot({ path: `${SHOTS}/welcome.png`, fullPage: true });
    // An options tab already open would only be brought forward.
    for (const open of host.context.pages()) if (open.url().endsWith('/options.html')) await open.close();
    const options = host.context.waitForEvent('page');
    await page.getByRole('button', { name: /^Options/ }).click();
    expect((await options).url()).toBe(`chrome-extension://${host.extensionId}/options.html`);
  });
});
