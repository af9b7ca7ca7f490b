import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';
import { launchWithExtension, type ExtensionBrowser } from './chromium.js';

/** The colours of the pages a test shares, as the page paints them. */
export const PAGE_COLOURS = { red: [220, 20, 20], blue: [20, 40, 220] } as const;
export type PageColour = keyof typeof PAGE_COLOURS;

/**
 * A tiny HTTP server of solid-colour pages (`/red`, `/blue`), each titled after its colour ("Red page") and
 * playing a steady tone: something to share whose every pixel and sound is known.
 */
export async function startColourPages(): Promise<{
  url(colour: PageColour): string;
  close(): Promise<void>;
}> {
  const server = createServer((request, response) => {
    const colour = (request.url ?? '').slice(1) as PageColour;
    const rgb = PAGE_COLOURS[colour];
    if (!rgb) {
      response.writeHead(404).end();
      return;
    }
    const title = `${colour[0]!.toUpperCase()}${colour.slice(1)} page`;
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    // A steady tone, so that the tab's sound can be told from the fake microphone's short beeps.
    const tone = `const c = new AudioContext(); const o = c.createOscillator(); const g = c.createGain();
      g.gain.value = 0.3; o.frequency.value = 440; o.connect(g).connect(c.destination); o.start();`;
    response.end(
      `<!doctype html><title>${title}</title><style>html,body{margin:0;height:100%;background:rgb(${rgb.join(',')})}</style><body><script>${tone}</script></body>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (colour) => `http://127.0.0.1:${port}/${colour}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Chromium with the built extension, set up so that it can capture tabs. Measured here:
 * - `--use-fake-ui-for-media-stream` makes getUserMedia on a tab stream id fail with NotFoundError; the fake
 *   camera flag alone does not. So the fake camera stays, and camera and microphone are granted to the
 *   extension over CDP (`Browser.setPermission`), as a user answering the prompt once.
 * - Playwright's headless launch adds `--mute-audio`, which silences every tab and so the captured tab's
 *   sound: it is left out.
 */
export function launchSharingHost(serverUrl: string): Promise<ExtensionBrowser> {
  return launchWithExtension({ serverUrl, capture: true });
}

/** Records every RTCPeerConnection a page makes (in `window.__peerConnections`), from before its scripts run. */
export async function recordPeerConnections(target: Page | BrowserContext): Promise<void> {
  await target.addInitScript(() => {
    const Native = window.RTCPeerConnection;
    const made: RTCPeerConnection[] = [];
    (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections = made;
    window.RTCPeerConnection = class extends Native {
      constructor(...args: ConstructorParameters<typeof RTCPeerConnection>) {
        super(...args);
        made.push(this);
      }
    };
  });
}

/** How many peer connections the page made, and the state of each. */
export function peerConnectionStates(page: Page): Promise<RTCPeerConnectionState[]> {
  return page.evaluate(() =>
    (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections.map(
      (pc) => pc.connectionState,
    ),
  );
}

/** The average colour of the middle of what a video element shows now (drawn to a canvas and read back). */
export function videoColour(page: Page, label: string): Promise<[number, number, number]> {
  return page.evaluate((label) => {
    const video = document.querySelector<HTMLVideoElement>(`video[aria-label^="${label}"]`);
    if (!video || video.videoWidth === 0) return [-1, -1, -1] as [number, number, number];
    const canvas = document.createElement('canvas');
    canvas.width = 64;
    canvas.height = 64;
    const context = canvas.getContext('2d', { willReadFrequently: true })!;
    context.drawImage(video, 0, 0, 64, 64);
    // The middle quarter: clear of letterboxing and of the fake camera's moving marks at the edges.
    const { data } = context.getImageData(16, 16, 32, 32);
    const sum = [0, 0, 0];
    for (let i = 0; i < data.length; i += 4) for (let c = 0; c < 3; c++) sum[c]! += data[i + c]!;
    const n = data.length / 4;
    return sum.map((v) => Math.round(v / n)) as [number, number, number];
  }, label);
}

/** The fake camera's test pattern: mostly green. */
export function looksLikeCamera(colour: readonly number[]): boolean {
  const [r = 0, g = 0, b = 0] = colour;
  return g > r + 60 && g > b + 60;
}

/** Whether a colour is within `tolerance` of `expected` on every channel (video coding shifts colours a little). */
export function near(colour: readonly number[], expected: readonly number[], tolerance = 45): boolean {
  return expected.every((v, i) => Math.abs((colour[i] ?? -999) - v) <= tolerance);
}

/** What each of a page's peer connections sends as video now: the track's contentHint and the sender's settings. */
export function sentVideo(
  page: Page,
): Promise<{ hint: string; preference: string | undefined; maxFramerate: number | undefined }[]> {
  return page.evaluate(() =>
    (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections.flatMap((pc) =>
      pc.getSenders().flatMap((s) => {
        if (s.track?.kind !== 'video') return [];
        const parameters = s.getParameters() as RTCRtpSendParameters & { degradationPreference?: string };
        return [
          {
            hint: s.track.contentHint,
            preference: parameters.degradationPreference,
            maxFramerate: parameters.encodings[0]?.maxFramerate,
          },
        ];
      }),
    ),
  );
}

/**
 * The share of 100 ms windows over `ms` in which a video element's audio is audible (peak > 0.02): near 1 for
 * a steady tone, far lower for the fake microphone, which beeps briefly once a second.
 */
export function audibleShare(page: Page, label: string, ms = 3000): Promise<number> {
  return page.evaluate(
    async ({ label, ms }) => {
      const video = document.querySelector<HTMLVideoElement>(`video[aria-label^="${label}"]`);
      const stream = video?.srcObject;
      if (!(stream instanceof MediaStream) || stream.getAudioTracks().length === 0) return -1;
      const context = new AudioContext();
      await context.resume();
      const analyser = context.createAnalyser();
      context.createMediaStreamSource(stream).connect(analyser);
      const data = new Float32Array(analyser.fftSize);
      let windows = 0;
      let audible = 0;
      const end = performance.now() + ms;
      while (performance.now() < end) {
        await new Promise((r) => setTimeout(r, 100));
        analyser.getFloatTimeDomainData(data);
        let peak = 0;
        for (const v of data) peak = Math.max(peak, Math.abs(v));
        windows += 1;
        if (peak > 0.02) audible += 1;
      }
      await context.close();
      return audible / windows;
    },
    { label, ms },
  );
}
