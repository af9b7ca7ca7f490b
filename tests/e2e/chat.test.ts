import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectedCall, type ConnectedCall } from '../support/connected-call.js';

const SHOTS = process.env.SHOTS_DIR ?? resolve(import.meta.dirname, '../../test-results/screenshots');
mkdirSync(SHOTS, { recursive: true });

const messages = (page: Page) => page.getByRole('list', { name: 'Messages' }).getByRole('listitem');

/** Chat between the extension's side panel (as a tab) and a join page in another Chromium. */
describe('chat during a call', () => {
  let call: ConnectedCall | undefined;
  let panel: Page;
  let join: Page;

  beforeAll(async () => {
    call = await connectedCall();
    ({ panel, join } = call);
  });
  afterAll(async () => {
    await call?.close();
  });

  test('messages go both ways, with an unread count while the chat is hidden', async () => {
    // The guest writes while the host's chat is closed: the host's button counts.
    await join.getByRole('button', { name: /^Chat/ }).click();
    expect(await join.getByText('Messages sent before you joined are not shown').count()).toBe(1);
    const box = join.getByRole('textbox', { name: 'Message' });
    await box.fill('Merhaba!');
    await box.press('Enter');
    await box.fill('second line one');
    await box.press('Shift+Enter');
    await box.pressSequentially('line two');
    expect(await box.inputValue()).toBe('second line one\nline two');
    await join.getByRole('button', { name: 'Send', exact: true }).click();
    expect(await box.inputValue()).toBe('');

    await panel.getByRole('button', { name: 'Chat, 2 unread' }).waitFor({ timeout: 10_000 });
    await panel.getByRole('button', { name: 'Chat, 2 unread' }).click();
    await expect.poll(() => messages(panel).count()).toBe(2);
    expect(await panel.getByRole('button', { name: /^Chat/ }).getAttribute('aria-label')).toBe('Chat');
    expect(await messages(panel).nth(1).locator('.text').textContent()).toBe('second line one\nline two');
    expect(await messages(panel).nth(0).textContent()).toMatch(/Merhaba!/);
    // The host is not told about earlier messages: nothing was said before it.
    expect(await panel.getByText('Messages sent before you joined are not shown').count()).toBe(0);

    // The host answers with a link and an XSS attempt; the guest sees a real link and plain text.
    const pbox = panel.getByRole('textbox', { name: 'Message' });
    await pbox.fill('see https://example.org/docs?a=1 and <img src=x onerror="window.__xss=1"><b>bold</b>');
    await pbox.press('Enter');
    await expect.poll(() => messages(join).count(), { timeout: 10_000 }).toBe(3);
    const last = messages(join).nth(2);
    expect(await last.locator('.text').textContent()).toBe(
      'see https://example.org/docs?a=1 and <img src=x onerror="window.__xss=1"><b>bold</b>',
    );
    const link = last.getByRole('link', { name: 'https://example.org/docs?a=1' });
    expect(await link.getAttribute('href')).toBe('https://example.org/docs?a=1');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
    expect(await last.locator('img, b').count()).toBe(0);
    expect(await join.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();
    // The sender's own copy names them "You"; the other side's copy names nobody by a made-up name.
    expect(await messages(panel).nth(2).locator('.name').textContent()).toBe('You');

    // A message over 4 KiB is refused before it leaves, with a reason.
    await pbox.fill('x'.repeat(5000));
    await panel.getByRole('button', { name: 'Send', exact: true }).click();
    await panel
      .getByRole('alert')
      .getByText(/too long \(5,000 bytes; at most 4 KiB\)/)
      .waitFor();
    expect(await messages(panel).count()).toBe(3);

    for (const scheme of ['light', 'dark'] as const) {
      await panel.emulateMedia({ colorScheme: scheme });
      await panel.screenshot({ path: `${SHOTS}/chat-panel-${scheme}.png` });
    }
    await join.screenshot({ path: `${SHOTS}/chat-join.png` });
  });

  test('a new message scrolls into view from the end, and leaves a reader scrolled up in place', async () => {
    const list = panel.getByRole('list', { name: 'Messages' });
    const box = join.getByRole('textbox', { name: 'Message' });
    const say = async (line: string) => {
      const before = await messages(panel).count();
      await box.fill(line);
      await box.press('Enter');
      await expect.poll(() => messages(panel).count(), { timeout: 10_000 }).toBe(before + 1);
    };
    for (let i = 1; i <= 12; i++) await say(`line ${i}\nof a chat long enough to scroll`);
    const place = () =>
      list.evaluate((el) => ({
        top: el.scrollTop,
        fromEnd: el.scrollHeight - el.scrollTop - el.clientHeight,
      }));
    // At the end: the newest message is in view (the list scrolled to it).
    await expect.poll(async () => (await place()).fromEnd, { timeout: 5_000 }).toBeLessThanOrEqual(1);
    expect((await place()).top).toBeGreaterThan(0);

    // Scrolled up to older messages: a new one arrives, the view stays where the reader put it.
    await list.evaluate((el) => el.scrollTo({ top: 0 }));
    await list.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await say('while you read older ones');
    await list.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    expect((await place()).top).toBe(0);

    // Back at the end, it follows again.
    await list.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await list.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await say('and now you see it');
    await expect.poll(async () => (await place()).fromEnd, { timeout: 5_000 }).toBeLessThanOrEqual(1);
    expect(await messages(panel).last().locator('.text').textContent()).toBe('and now you see it');
  });

  test('a long chat lays out its newest 50 messages, older ones a click away', async () => {
    const box = join.getByRole('textbox', { name: 'Message' });
    const before = await messages(panel).count();
    expect(before).toBeLessThan(50);
    for (let i = 1; i <= 60; i++) {
      await box.fill(`many ${i}`);
      await box.press('Enter');
    }
    const total = before + 60;
    await expect
      .poll(() => messages(panel).last().locator('.text').textContent(), { timeout: 20_000 })
      .toBe('many 60');
    // Each new message costs a frame that walks every message laid out: only the newest 50 are.
    expect(await messages(panel).count()).toBe(50);
    expect(await messages(join).count()).toBe(50);
    expect(await messages(panel).first().locator('.text').textContent()).toBe(`many ${60 - 49}`);
    const earlier = panel.getByRole('button', { name: `Show ${total - 50} earlier messages` });
    for (const scheme of ['light', 'dark'] as const) {
      await panel.emulateMedia({ colorScheme: scheme });
      await panel.screenshot({ path: `${SHOTS}/chat-earlier-${scheme}.png` });
    }
    await earlier.click();
    expect(await messages(panel).count()).toBe(total);
    expect(await messages(panel).first().textContent()).toMatch(/Merhaba!/);
    expect(await earlier.count()).toBe(0);
    // The button went with the last batch: keyboard focus stays in the chat, on the list it opened up.
    await expect
      .poll(() => panel.evaluate(() => document.activeElement?.getAttribute('aria-label')))
      .toBe('Messages');
    expect(await messages(panel).last().locator('.text').textContent()).toBe('many 60');
  });
});
