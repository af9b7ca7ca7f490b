import { roomForSecret } from '../../src/call/admission.js';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { newId } from '../../src/call/ids.js';
import { CHROMIUM, chromiumArgs } from '../support/chromium.js';
import { startServer } from '../support/server.js';

describe('the join page explains what went wrong', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;

  beforeAll(async () => {
    server = await startServer();
    // diyalog.test resolves to the loopback server, but unlike 127.0.0.1 it is not a secure origin.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [...chromiumArgs(), '--host-resolver-rules=MAP diyalog.test 127.0.0.1'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const statusOn = async (url: string) => {
    const page = await browser.newPage();
    await page.goto(url);
    const status = page.getByRole('status').first();
    return { page, status };
  };

  test('a damaged link', async () => {
    const { page, status } = await statusOn(`${server.url}/join/${newId()}`); // no #s= secret
    await expect
      .poll(() => status.textContent())
      .toBe(
        'This invite link is incomplete or damaged. Ask the person who invited you to copy the link again.',
      );
    expect(await page.getByRole('button', { name: 'Join call' }).count()).toBe(0);
    await page.close();
  });

  test('a room nobody is waiting in', async () => {
    const secret = newId();
    const { page } = await statusOn(`${server.url}/join/${await roomForSecret(secret)}#s=${secret}`);
    await expect
      .poll(() => page.getByText('Nobody is in this call yet.', { exact: false }).count(), {
        timeout: 10_000,
      })
      .toBe(1);
    // The secret has left the address bar (and this history entry) once the page read it.
    expect(page.url()).toBe(`${server.url}/join/${await roomForSecret(secret)}`);
    expect(await page.evaluate(() => location.hash)).toBe('');
    await page.close();
  });

  test('a link whose room is not its secret’s (edited by hand, or older than room admission)', async () => {
    const { page, status } = await statusOn(`${server.url}/join/${newId()}#s=${newId()}`);
    await expect
      .poll(() => status.textContent())
      .toBe(
        'This invite link is incomplete or damaged. Ask the person who invited you to copy the link again.',
      );
    expect(await page.getByRole('button', { name: 'Join call' }).count()).toBe(0);
    await page.close();
  });

  test('a page reached over plain HTTP on a non-local address', async () => {
    const url = new URL(server.url);
    const { page, status } = await statusOn(`http://diyalog.test:${url.port}/join/${newId()}#s=${newId()}`);
    await expect
      .poll(() => status.textContent())
      .toMatch(/^This call page was opened over an insecure connection/);
    expect(await page.getByRole('button', { name: 'Join call' }).count()).toBe(0);
    await page.close();
  });
});
