import { existsSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { DIST } from './chromium.js';

export const FIREFOX = '/usr/bin/firefox-esr';
/** Fixed through the `extensions.webextensions.uuids` pref, so the extension's pages have a known URL. */
export const FIREFOX_EXTENSION_UUID = '5e0e4a4e-3c1a-4f6b-9d2a-d1a106000013';
export const FIREFOX_ORIGIN = `moz-extension://${FIREFOX_EXTENSION_UUID}`;

/**
 * The machine's own non-loopback IPv4 address. Firefox never offers or pairs 127.0.0.1 candidates, so a
 * call with Firefox in it must use this one (its packets still stay on `lo`).
 */
export function hostAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  throw new Error('No non-loopback IPv4 address: Firefox calls need one (Firefox never uses 127.0.0.1)');
}

export interface FirefoxOptions {
  /** Camera and microphone allowed without a prompt (the permission query says `granted`). Default true. */
  mediaAllowed?: boolean;
  /** Install the extension from this directory or .xpi. Default: dist/. */
  extension?: string | false;
  serverUrl?: string;
}

export interface FirefoxBrowser {
  readonly browser: Browser;
  /** Opens a URL in a new tab; moz-extension:// pages never report their load over BiDi, so this polls. */
  open(url: string): Promise<Page>;
  /** Opens one of the extension's pages (popup.html, sidepanel.html…) as a tab. */
  openExtensionPage(path: string): Promise<Page>;
  close(): Promise<void>;
}

/** Debian's Firefox ESR over WebDriver BiDi (recipe in shared/FIELD-NOTES.md), fake camera and microphone. */
export async function launchFirefox(options: FirefoxOptions = {}): Promise<FirefoxBrowser> {
  if (!existsSync(FIREFOX)) throw new Error(`${FIREFOX} is missing: apt-get install firefox-esr`);
  const extension = options.extension ?? DIST;
  const geckoId = geckoIdOf(DIST);
  const mediaAllowed = options.mediaAllowed ?? true;
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    args: ['--remote-allow-system-access'],
    extraPrefsFirefox: {
      'extensions.webextensions.uuids': JSON.stringify({ [geckoId]: FIREFOX_EXTENSION_UUID }),
      'media.navigator.streams.fake': true,
      // getUserMedia never shows a prompt (headless has nowhere to show it)…
      'media.navigator.permission.disabled': true,
      // …and the permission query says `granted` only with these; without them it says `prompt`.
      ...(mediaAllowed ? { 'permissions.default.camera': 1, 'permissions.default.microphone': 1 } : {}),
      'media.peerconnection.ice.obfuscate_host_addresses': false,
      'media.autoplay.default': 0,
      'services.settings.server': 'http://127.0.0.1:1/',
      'network.connectivity-service.enabled': false,
      'extensions.getAddons.cache.enabled': false,
      'app.update.enabled': false,
      'browser.shell.checkDefaultBrowser': false,
    },
  });
  if (extension) await browser.installExtension(extension);
  const open = async (url: string) => {
    const page = await browser.newPage();
    // Never resolves for moz-extension:// URLs; the poll below sees the page instead.
    page.goto(url).catch(() => undefined);
    const until = Date.now() + 15_000;
    for (;;) {
      const href = await page.evaluate(() => location.href + '|' + document.readyState).catch(() => '');
      // The join page takes its #s= secret out of the address bar once read: compare without the fragment.
      const wanted = url.split('#')[0]!;
      if (href.startsWith(wanted) && href.endsWith('|complete')) return page;
      if (Date.now() > until) throw new Error(`Firefox did not load ${url} (at ${href})`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const firefox: FirefoxBrowser = {
    browser,
    open,
    openExtensionPage: (path) => open(`${FIREFOX_ORIGIN}/${path}`),
    close: () => browser.close(),
  };
  if (options.serverUrl) {
    const page = await firefox.openExtensionPage('popup.html');
    await page.evaluate(
      (url) =>
        (globalThis as unknown as { browser: typeof chrome }).browser.storage.local.set({ serverUrl: url }),
      options.serverUrl,
    );
    await page.close();
  }
  return firefox;
}

function geckoIdOf(dir: string): string {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
    browser_specific_settings?: { gecko?: { id?: string } };
  };
  const id = manifest.browser_specific_settings?.gecko?.id;
  if (!id) throw new Error('The manifest has no gecko id');
  return id;
}

/** Frames painted by a video element over `ms` (Firefox's totalVideoFrames stays 0 for MediaStreams). */
export async function firefoxFrames(page: Page, label: string, ms = 1000): Promise<number> {
  return page.evaluate(
    async (label, ms) => {
      const video = document.querySelector<HTMLVideoElement>(`video[aria-label^="${label}"]`);
      if (!video) throw new Error(`no video labelled ${label}`);
      let frames = 0;
      const count = () => {
        frames++;
        video.requestVideoFrameCallback(count);
      };
      video.requestVideoFrameCallback(count);
      await new Promise((r) => setTimeout(r, ms));
      return frames;
    },
    label,
    ms,
  );
}
