import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DIST } from '../support/chromium.js';
import { connectedCall, type ConnectedCall } from '../support/connected-call.js';

const SHOTS = process.env.SHOTS_DIR ?? resolve(import.meta.dirname, '../../test-results/screenshots');
mkdirSync(SHOTS, { recursive: true });

const status = (page: Page) => page.getByRole('status').first();
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const MiB = 1024 * 1024;
/** What the page calls the other person: their 1:1 video's name after "Remote video: ". */
const shownName = async (page: Page) => {
  const label = await page.locator('video[aria-label^="Remote video: "]').getAttribute('aria-label');
  return label!.slice('Remote video: '.length);
};

/** Files between the extension's side panel (as a tab) and a join page, in real Chromium. */
describe('files during a call', () => {
  let call: ConnectedCall | undefined;
  let panel: Page;
  let join: Page;

  beforeAll(async () => {
    call = await connectedCall();
    ({ panel, join } = call);
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
    await call?.close();
  });

  /**
   * Puts a file of `size` random bytes made in the page into its "File to send" input (Playwright refuses
   * buffers over 50 MB) and returns its SHA-256, taken in the page, to compare with what arrives.
   */
  async function pickGenerated(page: Page, name: string, size: number): Promise<string> {
    return page.evaluate(
      async ({ name, size }) => {
        const bytes = new Uint8Array(size);
        for (let i = 0; i < size; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
        const input = document.querySelector<HTMLInputElement>('input[aria-label="File to send"]')!;
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], name, { type: 'application/octet-stream' }));
        input.files = transfer.files;
        input.dispatchEvent(new Event('change', { bubbles: true }));
        const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
        return [...hash].map((b) => b.toString(16).padStart(2, '0')).join('');
      },
      { name, size },
    );
  }

  /** The receiver accepts `name` (nothing was sent before), then saves it once verified; the saved bytes. */
  async function receive(from: Page, to: Page, name: string, shots = false): Promise<Buffer> {
    const item = to.getByRole('listitem').filter({ hasText: name });
    const accept = item.getByRole('button', { name: 'Accept' });
    await accept.waitFor({ timeout: 10_000 });
    // Nothing is sent before Accept: the sender waits.
    const waiting = from.getByRole('listitem').filter({ hasText: name });
    expect(await waiting.getByText('waiting for them to accept', { exact: false }).count()).toBe(1);
    await accept.click();
    if (shots) {
      const bar = to.getByRole('progressbar', { name });
      await expect.poll(() => bar.getAttribute('value').then(Number), { timeout: 20_000 }).toBeGreaterThan(0);
      for (const scheme of ['light', 'dark'] as const) {
        await to.emulateMedia({ colorScheme: scheme });
        await to.screenshot({ path: `${SHOTS}/file-transfer-${scheme}.png` });
      }
    }
    const save = item.getByRole('button', { name: 'Save' });
    await save.waitFor({ timeout: 90_000 });
    const [download] = await Promise.all([to.waitForEvent('download'), save.click()]);
    expect(download.suggestedFilename()).toBe(name);
    return readFileSync((await download.path())!);
  }

  test('both pages hash in WebAssembly: their workers may compile it, the join page itself may not', async () => {
    const file = readdirSync(resolve(DIST, 'assets')).find((f) => /^sha256-worker-.*\.js$/.test(f))!;
    const engine = (page: Page, url: string) =>
      page.evaluate(
        (url) =>
          new Promise<unknown>((resolve, reject) => {
            const worker = new Worker(url, { type: 'module' });
            worker.onmessage = (event) => {
              resolve(event.data);
              worker.terminate();
            };
            worker.onerror = () => reject(new Error('the hashing worker failed'));
            worker.postMessage('engine');
          }),
        url,
      );
    // The extension's pages allow 'wasm-unsafe-eval' (manifest.json); the server serves the join page's
    // worker with a CSP of its own that allows it (and nothing else).
    expect(await engine(panel, `assets/${file}`)).toBe('wasm');
    expect(await engine(join, `/join/assets/${file}`)).toBe('wasm');
    const compiled = await join.evaluate(() =>
      WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])).then(
        () => 'compiled',
        (error: unknown) => String(error),
      ),
    );
    expect(compiled).toMatch(/CompileError.*(Refused|unsafe-eval)/);
  });

  test('50 MiB from the join page to the extension and 50 MiB back at the same time, hashes equal', async () => {
    const started = Date.now();
    // One file made in the page, one read from disk through the file input, as a user's would be.
    const back = randomBytes(50 * MiB);
    const [sentHash] = await Promise.all([
      pickGenerated(join, 'to-host.bin', 50 * MiB),
      panel.getByLabel('File to send').setInputFiles(onDisk('to-guest.bin', back)),
    ]);
    const [got, got2] = await Promise.all([
      receive(join, panel, 'to-host.bin', true),
      receive(panel, join, 'to-guest.bin'),
    ]);
    console.log(
      `2 × 50 MiB at once, both ways: ${((Date.now() - started) / 1000).toFixed(1)} s (with Accept and Save)`,
    );
    expect(got.length).toBe(50 * MiB);
    expect(sha256(got)).toBe(sentHash);
    expect(sha256(got2)).toBe(sha256(back));
    // The call went on.
    expect(await status(panel).textContent()).toBe('Connected');
  });

  test('a file dropped onto the call is offered; Decline tells the sender', async () => {
    await panel.evaluate(() => {
      const call = document.querySelector('section[aria-label="Call"]')!;
      const data = new DataTransfer();
      data.items.add(new File(['dropped'], 'dropped.txt', { type: 'text/plain' }));
      for (const type of ['dragenter', 'dragover', 'drop'])
        call.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
    });
    const item = join.getByRole('listitem').filter({ hasText: 'dropped.txt' });
    await item.getByRole('button', { name: 'Decline' }).click();
    // Named as their tile names them (they gave no name: "Guest n"), not "Someone".
    await panel.getByText(`${await shownName(panel)} declined the file.`).waitFor({ timeout: 10_000 });
  });

  test('Cancel mid-way stops both sides; a file name with markup is text', async () => {
    const name = '<img src=x onerror="window.__xss=1">.bin';
    await panel.getByLabel('File to send').setInputFiles(onDisk(name, Buffer.alloc(200 * MiB, 7)));
    await join.getByRole('button', { name: 'Accept' }).waitFor({ timeout: 10_000 });
    expect(await join.getByText(name, { exact: true }).count()).toBe(1);
    expect(await join.locator('img').count()).toBe(0);
    await join.getByRole('button', { name: 'Accept' }).click();
    const bar = join.getByRole('progressbar', { name });
    await expect.poll(() => bar.getAttribute('value').then(Number), { timeout: 20_000 }).toBeGreaterThan(MiB);
    await join.getByRole('button', { name: 'Cancel' }).click();
    await join.getByText('You cancelled the transfer.').waitFor();
    await panel.getByText(`${await shownName(panel)} cancelled the transfer.`).waitFor({ timeout: 10_000 });
    expect(await join.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();
  });
});
