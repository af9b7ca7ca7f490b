import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { joinCall, startWaitingCall } from '../support/call-flow.js';
import { launchPlain, launchWithExtension, type ExtensionBrowser } from '../support/chromium.js';
import { startServer } from '../support/server.js';

const SHOTS = process.env.SHOTS_DIR ?? resolve(import.meta.dirname, '../../test-results/screenshots');
mkdirSync(SHOTS, { recursive: true });

const status = (page: Page) => page.getByRole('status').first();
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const MiB = 1024 * 1024;

/** Files between the extension's side panel (as a tab) and a join page, in real Chromium. */
describe('files during a call', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let host: ExtensionBrowser;
  let guest: Awaited<ReturnType<typeof launchPlain>>;
  let panel: Page;
  let join: Page;

  beforeAll(async () => {
    server = await startServer();
    [host, guest] = await Promise.all([launchWithExtension({ serverUrl: server.url }), launchPlain()]);
    panel = await host.open('sidepanel.html');
    join = guest.page;
    await joinCall(join, await startWaitingCall(panel));
    for (const page of [join, panel])
      await status(page).getByText('Connected', { exact: true }).waitFor({ timeout: 15_000 });
  });
  // Playwright hands over at most 50 MB as a buffer: larger files go through the disk, as a user's would.
  const dir = mkdtempSync(resolve(tmpdir(), 'diyalog-files-'));
  const onDisk = (name: string, data: Buffer) => {
    const path = resolve(dir, name);
    writeFileSync(path, data);
    return path;
  };
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await Promise.all([host?.close(), guest?.browser.close()]);
    await server?.close();
  });

  /**
   * Picks a file of `size` pseudo-random bytes (seeded: Node makes the same ones) in the page's own file
   * input. Playwright refuses > 50 MB buffers and, for a browser it launched without a persistent
   * context, paths of that size too; a DataTransfer in the page is what a drop would give.
   */
  async function pickGenerated(page: Page, name: string, size: number, seed: number): Promise<Buffer> {
    await page.evaluate(
      ({ name, size, seed }) => {
        const bytes = new Uint8Array(size);
        let x = seed >>> 0;
        for (let i = 0; i < size; i++) {
          x ^= x << 13;
          x >>>= 0;
          x ^= x >>> 17;
          x ^= x << 5;
          x >>>= 0;
          bytes[i] = x & 0xff;
        }
        const input = document.querySelector<HTMLInputElement>('input[aria-label="File to send"]')!;
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], name, { type: 'application/octet-stream' }));
        input.files = transfer.files;
        input.dispatchEvent(new Event('change', { bubbles: true }));
      },
      { name, size, seed },
    );
    const bytes = Buffer.alloc(size);
    let x = seed >>> 0;
    for (let i = 0; i < size; i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      bytes[i] = x & 0xff;
    }
    return bytes;
  }

  /** Sends `data` as `name` from one page to the other; the receiver accepts and saves; returns the saved bytes. */
  async function transfer(
    from: Page,
    to: Page,
    name: string,
    pick: () => Promise<unknown>,
    shots = false,
  ): Promise<Buffer> {
    await pick();
    const accept = to.getByRole('button', { name: 'Accept' });
    await accept.waitFor({ timeout: 10_000 });
    // Nothing is sent before Accept: the sender waits.
    expect(await from.getByText('waiting for them to accept', { exact: false }).count()).toBe(1);
    await accept.click();
    if (shots) {
      const bar = to.getByRole('progressbar', { name });
      await expect.poll(() => bar.getAttribute('value').then(Number), { timeout: 20_000 }).toBeGreaterThan(0);
      for (const scheme of ['light', 'dark'] as const) {
        await to.emulateMedia({ colorScheme: scheme });
        await to.screenshot({ path: `${SHOTS}/file-transfer-${scheme}.png` });
      }
    }
    const save = to.getByRole('button', { name: 'Save' });
    await save.waitFor({ timeout: 60_000 });
    const [download] = await Promise.all([to.waitForEvent('download'), save.click()]);
    expect(download.suggestedFilename()).toBe(name);
    return readFileSync((await download.path())!);
  }

  test('50 MiB from the join page to the extension, and 50 MiB back, hashes equal', async () => {
    let data: Buffer = Buffer.alloc(0);
    const started = Date.now();
    const got = await transfer(
      join,
      panel,
      'to-host.bin',
      async () => (data = await pickGenerated(join, 'to-host.bin', 50 * MiB, 0x2545f491)),
      true,
    );
    console.log(
      `50 MiB join page → extension: ${((Date.now() - started) / 1000).toFixed(1)} s (with Accept and Save)`,
    );
    expect(got.length).toBe(data.length);
    expect(sha256(got)).toBe(sha256(data));

    const back = randomBytes(50 * MiB);
    const got2 = await transfer(panel, join, 'to-guest.bin', () =>
      panel.getByLabel('File to send').setInputFiles(onDisk('to-guest.bin', back)),
    );
    expect(sha256(got2)).toBe(sha256(back));
    // The call went on: chat still works.
    expect(await status(panel).textContent()).toBe('Connected');
  });

  test('Cancel mid-way stops both sides; a file name with markup is text', async () => {
    const name = '<img src=x onerror="window.__xss=1">.bin';
    await panel.getByLabel('File to send').setInputFiles(onDisk(name, randomBytes(200 * MiB)));
    await join.getByRole('button', { name: 'Accept' }).waitFor({ timeout: 10_000 });
    expect(await join.getByText(name, { exact: true }).count()).toBe(1);
    expect(await join.locator('img').count()).toBe(0);
    await join.getByRole('button', { name: 'Accept' }).click();
    const bar = join.getByRole('progressbar', { name });
    await expect.poll(() => bar.getAttribute('value').then(Number), { timeout: 20_000 }).toBeGreaterThan(MiB);
    await join.getByRole('button', { name: 'Cancel' }).click();
    await join.getByText('You cancelled the transfer.').waitFor();
    await panel.getByText('Someone cancelled the transfer.').waitFor({ timeout: 10_000 });
    expect(await join.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();
  });
});
