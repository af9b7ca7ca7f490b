import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseDiagnostics } from '../../src/call/diagnostics/file.js';
import { joinCall, startWaitingCall } from '../support/call-flow.js';
import { launchPlain, launchWithExtension, type ExtensionBrowser } from '../support/chromium.js';
import { startServer } from '../support/server.js';

const SHOTS = resolve(import.meta.dirname, '../../test-results/screenshots');
mkdirSync(SHOTS, { recursive: true });
const status = (page: Page) => page.getByRole('status').first();

describe('after a call: diagnostics, feedback, history', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let host: ExtensionBrowser;
  let guest: Awaited<ReturnType<typeof launchPlain>>;

  beforeAll(async () => {
    server = await startServer();
    [host, guest] = await Promise.all([launchWithExtension({ serverUrl: server.url }), launchPlain()]);
  });
  afterAll(async () => {
    await Promise.all([host?.close(), guest?.browser.close()]);
    await server?.close();
  });

  test('the diagnostics file is saved and parses, the feedback answer lands in the history with a chart', async () => {
    const panel = await host.open('sidepanel.html');
    const link = await startWaitingCall(panel);
    const [room, secret] = [/\/join\/([^#]+)/.exec(link)![1]!, /#s=(.+)$/.exec(link)![1]!];
    await joinCall(guest.page, link);
    await expect.poll(() => status(panel).textContent(), { timeout: 15_000 }).toBe('Connected');

    // A few seconds of per-second stats, then "Connection details" → "Save diagnostics".
    await panel.getByRole('button', { name: 'Connection details' }).click();
    await expect
      .poll(() => panel.locator('#connection-details dd').first().textContent(), { timeout: 10_000 })
      .toMatch(/^\d\.\d$/);
    await panel.waitForTimeout(2000);
    expect(await panel.getByRole('checkbox', { name: 'Hide network addresses' }).isChecked()).toBe(true);
    const [download] = await Promise.all([
      panel.waitForEvent('download'),
      panel.getByRole('button', { name: 'Save diagnostics' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^diyalog-diagnostics-\d{4}-\d{2}-\d{2}-\d{4}\.json$/);
    const text = readFileSync(await download.path(), 'utf8');
    const file = parseDiagnostics(text);
    expect(file).toMatchObject({ format: 'diyalog-diagnostics', version: 1, addressesRedacted: true });
    expect(file.environment.browser).toBe('chrome');
    expect(file.call.timeline.map((e) => e.event)).toContain('phase:connected');
    expect(file.call.stats.length).toBeGreaterThanOrEqual(2);
    expect(file.call.stats.at(-1)?.mos).toBeGreaterThan(1);
    expect(file.ice?.selectedPair?.local?.address).toBe('redacted');
    expect(file.ice?.candidates.length).toBeGreaterThan(0);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(room);
    expect(text).not.toMatch(/fingerprint|127\.0\.0\.1/);
    console.log(`diagnostics file: ${Buffer.byteLength(text)} bytes, ${file.call.stats.length} s of stats`);

    // The guest hangs up: the panel asks how the call was (the first call of the day).
    await guest.page.getByRole('button', { name: 'Hang up' }).click();
    await panel.getByRole('heading', { name: 'How was this call?' }).waitFor({ timeout: 15_000 });
    await panel.screenshot({ path: `${SHOTS}/sidepanel-feedback.png` });
    await panel.getByRole('radio', { name: '4 – Good' }).check();
    await panel.getByRole('checkbox', { name: 'echo' }).check();
    await panel.getByRole('button', { name: 'Send feedback' }).click();
    await panel.getByText('Thanks — your answer is in your call history.').waitFor();

    const history = await host.open('history.html');
    const call = history.locator('li.call').first();
    await call.getByText('Rated 4/5 – echo').waitFor({ timeout: 10_000 });
    await expect.poll(() => history.locator('li.call').count()).toBe(1);
    expect(await call.locator('svg[role="img"] path.mos').getAttribute('d')).toMatch(
      /^M[\d.]+,[\d.]+( L[\d.]+,[\d.]+)+$/,
    );
    expect(await call.getByRole('img').getAttribute('aria-label')).toMatch(
      // English groups thousands: "1,234 kbps".
      /^MOS from \d\.\d to \d\.\d; bitrate up to \d{1,3}(,\d{3})* kbps$/,
    );
    expect(await history.getByRole('region', { name: 'Totals' }).textContent()).toContain('100 %');
    await history.screenshot({ path: `${SHOTS}/history-light.png`, fullPage: true });
    await history.emulateMedia({ colorScheme: 'dark' });
    await history.screenshot({ path: `${SHOTS}/history-dark.png`, fullPage: true });
  });
});
