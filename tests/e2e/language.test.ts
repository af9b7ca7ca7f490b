import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchWithExtension, type ExtensionBrowser } from '../support/chromium.js';
import { startServer } from '../support/server.js';

const SHOTS = resolve(import.meta.dirname, '../../test-results/screenshots');
mkdirSync(SHOTS, { recursive: true });

/**
 * A Chromium whose language is Turkish (`--lang=tr`: its menus, chrome.i18n and the Accept-Language it sends
 * web sites). The other e2e tests run in English and find controls by their English names.
 */
describe('in a Turkish browser', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: ExtensionBrowser;

  beforeAll(async () => {
    server = await startServer();
    browser = await launchWithExtension({ serverUrl: server.url, lang: 'tr' });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  test('the side panel and the join page speak Turkish, through a whole call', async () => {
    const panel = await browser.open('sidepanel.html');
    expect(await panel.evaluate(() => [document.documentElement.lang, document.title])).toEqual([
      'tr',
      'Diyalog görüşmesi',
    ]);
    await panel.getByRole('status').getByText('Görüşme başlatmaya hazır').waitFor();
    await panel.getByRole('button', { name: 'Görüşme başlat', exact: true }).click();
    await panel.getByRole('status').getByText('Birinin katılması bekleniyor').waitFor({ timeout: 15_000 });
    const link = await panel.getByLabel('Davet bağlantısı').inputValue();
    await panel.getByRole('button', { name: 'Davet bağlantısını kopyala' }).waitFor();

    // The join page, a web page, follows the languages the browser asks sites for.
    const guest = await browser.context.newPage();
    await guest.goto(link);
    expect(await guest.evaluate(() => [document.documentElement.lang, document.title])).toEqual([
      'tr',
      'Diyalog görüşmesine katılın',
    ]);
    await guest.getByRole('heading', { name: 'Diyalog görüşmesine katılın' }).waitFor();
    const join = guest.getByRole('button', { name: 'Görüşmeye katıl' });
    await join.and(guest.locator(':enabled')).waitFor({ timeout: 15_000 });
    await guest.getByRole('status').getByText('Katılmaya hazır').waitFor();
    await guest.screenshot({ path: `${SHOTS}/join-tr.png` });
    await join.click();

    for (const page of [panel, guest]) {
      await page.getByRole('status').getByText('Bağlandı', { exact: true }).waitFor({ timeout: 15_000 });
      await page.getByRole('button', { name: 'Mikrofonu kapat' }).waitFor();
      await page.getByRole('button', { name: 'Görüşmeyi bitir' }).waitFor();
      await page.getByRole('button', { name: 'Bağlantı ayrıntıları' }).waitFor();
    }
    await panel.getByRole('button', { name: 'Bağlantı ayrıntıları' }).click();
    await panel.getByText('Görüşme kalitesi (MOS)').waitFor();
    // Figures in Turkish form: "%0,0" lost, never "0.0 %".
    await expect.poll(() => panel.locator('#connection-details').textContent()).toMatch(/%\d+,\d/);
    await panel.screenshot({ path: `${SHOTS}/sidepanel-tr.png`, fullPage: true });

    await guest.getByRole('button', { name: 'Görüşmeyi bitir' }).click();
    await panel
      .getByRole('status')
      .getByText('Görüşme bitti — karşı taraf kapattı')
      .waitFor({ timeout: 15_000 });
    await guest.getByText('Bu sekmeyi kapatabilirsiniz.').waitFor();
  });
});
