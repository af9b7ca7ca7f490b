import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { BrowserCdp } from './cdp.js';

/** Debian's Chromium; the /usr/bin wrapper script can print shell errors, so prefer the binary itself. */
export const CHROMIUM =
  ['/usr/lib/chromium/chromium', '/usr/bin/chromium'].find((p) => existsSync(p)) ?? '/usr/bin/chromium';
export const DIST = resolve(import.meta.dirname, '../../dist');

/** Flags measured in shared/FIELD-NOTES.md: quiet on a closed network, fake camera/mic, loopback ICE. */
/**
 * `loopback: false` for calls with Firefox: with the flag Chromium may gather only 127.0.0.1, which Firefox
 * never pairs with; without it, it offers the machine's own address.
 */
export function chromiumArgs({ fakeMedia = true, autoGrant = true, loopback = true } = {}): string[] {
  return [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    ...(loopback ? ['--allow-loopback-in-peer-connection'] : []),
    '--autoplay-policy=no-user-gesture-required',
    ...(fakeMedia ? ['--use-fake-device-for-media-stream'] : []),
    // Without it, camera and microphone are left for the user to allow, as in a fresh profile.
    ...(fakeMedia && autoGrant ? ['--use-fake-ui-for-media-stream'] : []),
  ];
}

export interface ExtensionBrowser {
  readonly context: BrowserContext;
  readonly extensionId: string;
  /** The browser-level DevTools session (toolbar clicks, the real side panel). */
  readonly cdp: BrowserCdp;
  /** Opens one of the extension's pages as a tab. */
  open(path: string): Promise<Page>;
  close(): Promise<void>;
}

/**
 * A fresh Chromium profile with the built extension loaded (needs `npm run build` first). `capture`: set up
 * so that it can capture tabs (see launchSharingHost in share.ts): no fake media UI, sound not muted, and
 * camera and microphone granted to the extension over CDP instead.
 */
export async function launchWithExtension(
  options: {
    serverUrl?: string;
    autoGrantMedia?: boolean;
    capture?: boolean;
    loopback?: boolean;
    /** The browser's language (its menus, and what it asks web sites for), e.g. 'tr'. */
    lang?: string;
    /** The built extension to load (default: this checkout's dist/; a benchmark may compare another build). */
    dist?: string;
  } = {},
): Promise<ExtensionBrowser> {
  const dist = options.dist ?? DIST;
  if (!existsSync(join(dist, 'manifest.json')))
    throw new Error('dist/ is missing: run `npm run build` first');
  const profile = mkdtempSync(join(tmpdir(), 'diyalog-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    ...(options.capture ? { ignoreDefaultArgs: ['--mute-audio'] } : {}),
    ...(options.lang ? { locale: options.lang } : {}),
    args: [
      ...(options.lang ? [`--lang=${options.lang}`] : []),
      ...chromiumArgs({
        autoGrant: !options.capture && (options.autoGrantMedia ?? true),
        loopback: options.loopback ?? true,
      }),
      `--disable-extensions-except=${dist}`,
      `--load-extension=${dist}`,
      '--remote-debugging-port=0',
    ],
    viewport: { width: 420, height: 760 },
  });
  const worker =
    context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 15_000 }));
  const extensionId = new URL(worker.url()).host;
  const origin = `chrome-extension://${extensionId}`;
  if (options.serverUrl) {
    // The same setting a user changes in the side panel's Settings.
    await worker.evaluate((url) => chrome.storage.local.set({ serverUrl: url }), options.serverUrl);
  }
  const cdp = await BrowserCdp.connect(profile);
  if (options.capture) {
    for (const name of ['camera', 'microphone']) {
      await cdp.send('Browser.setPermission', { origin, permission: { name }, setting: 'granted' });
    }
  }
  return {
    context,
    extensionId,
    cdp,
    async open(path) {
      const page = await context.newPage();
      await page.goto(`${origin}/${path}`);
      return page;
    },
    async close() {
      cdp.close();
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * A plain Chromium in a profile of its own, whose processes the test can SIGKILL (a browser that vanishes
 * without hanging up). Playwright's own launch hides the PIDs; the profile path finds them.
 */
export async function launchKillable(): Promise<{ page: Page; kill(): void; cleanup(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'diyalog-killable-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: chromiumArgs(),
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    page,
    kill() {
      for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
        try {
          if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(profile))
            process.kill(Number(pid), 'SIGKILL');
        } catch {
          // the process ended meanwhile
        }
      }
    },
    async cleanup() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A plain Chromium without the extension: the invitee's browser. */
export async function launchPlain({ loopback = true } = {}): Promise<{ browser: Browser; page: Page }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: chromiumArgs({ loopback }),
  });
  const context = await browser.newContext({ viewport: { width: 1000, height: 760 } });
  return { browser, page: await context.newPage() };
}

/** Counts decoded frames of a video element over `ms`; > 0 means video really arrives. */
export async function framesAdvancing(page: Page, label: string, ms = 1000): Promise<number> {
  return page.evaluate(
    async ({ label, ms }) => {
      const video = document.querySelector<HTMLVideoElement>(`video[aria-label^="${label}"]`);
      if (!video) throw new Error(`no video labelled ${label}`);
      const before = video.getVideoPlaybackQuality().totalVideoFrames;
      await new Promise((r) => setTimeout(r, ms));
      return video.getVideoPlaybackQuality().totalVideoFrames - before;
    },
    { label, ms },
  );
}

/**
 * The peak audio level (0–1) of a video element's stream's audio over `ms`, measured with Web Audio.
 * Chromium's fake microphone is silent but for a 20 ms beep every 500 ms, so the analyser keeps the last
 * 32768 samples (0.68–0.74 s) and is read only once that much audio has been rendered since it was
 * connected: every reading spans a whole beep period. (With short readings taken every 50 ms, a page
 * starved of CPU read a few 46 ms slices a second and missed the beeps though audio arrived.)
 */
export async function audioLevel(page: Page, label: string, ms = 1000): Promise<number> {
  return page.evaluate(
    async ({ label, ms }) => {
      const video = document.querySelector<HTMLVideoElement>(`video[aria-label^="${label}"]`);
      const stream = video?.srcObject;
      if (!(stream instanceof MediaStream) || stream.getAudioTracks().length === 0) return -1;
      const ctx = new AudioContext();
      await ctx.resume();
      const analyser = ctx.createAnalyser();
      analyser.fftSize = 32768;
      ctx.createMediaStreamSource(stream).connect(analyser);
      const data = new Float32Array(analyser.fftSize);
      const from = ctx.currentTime;
      const filled = () => ctx.currentTime - from >= analyser.fftSize / ctx.sampleRate;
      let peak = 0;
      const end = performance.now() + ms;
      // A context that renders nothing for 5 s more reads as silence (the caller's poll reports it).
      while (performance.now() < end || (!filled() && performance.now() < end + 5000)) {
        await new Promise((r) => setTimeout(r, 100));
        if (!filled()) continue;
        analyser.getFloatTimeDomainData(data);
        for (const v of data) peak = Math.max(peak, Math.abs(v));
      }
      await ctx.close();
      return peak;
    },
    { label, ms },
  );
}
