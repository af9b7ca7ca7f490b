/**
 * Capturing a tab for the call. Chrome: `chrome.tabCapture.getMediaStreamId` for the tab, turned into a
 * stream here, in the document that owns the call (getUserMedia with `chromeMediaSource: 'tab'`); it works
 * only after the user clicked our toolbar button on that tab (Chrome's "invocation"; a click inside the
 * side panel does not count). Firefox has no tabCapture: getDisplayMedia, where Firefox asks which window or
 * screen (it offers no tabs and no sound).
 *
 * A captured tab goes silent for the user, so its sound is played back here, and mixed with the microphone
 * into the one track the call's audio sender carries.
 */
import browser from 'webextension-polyfill';
import { ShareError } from '../call/share.js';
import type { TabCapture, TabCapturer } from '../ui/share-store.svelte.js';

type EndReason = Parameters<Parameters<TabCapture['onEnd']>[0]>[0];

/** Enough for legible text; the quality policy scales down from here when the connection needs it. */
const MAX_WIDTH = 1920;
const MAX_HEIGHT = 1080;
const MAX_FRAME_RATE = 30;

function hasTabCapture(): boolean {
  return typeof chrome !== 'undefined' && typeof chrome.tabCapture?.getMediaStreamId === 'function';
}

export const tabCapturer: TabCapturer = {
  get source() {
    return hasTabCapture() ? 'tab' : 'display';
  },

  async activeTab() {
    const [tab] = await browser.tabs.query({ active: true, currentWindow: true });
    if (tab?.id === undefined) return undefined;
    if (!hasTabCapture()) return { title: '' }; // Firefox's own dialog picks a window or screen
    // Chrome shows a tab's address only to an extension the user invoked on it (activeTab), and that
    // invocation is exactly what tabCapture needs: without it, capturing would fail after the question.
    if (tab.url === undefined) throw new ShareError('not-invoked');
    return { tabId: tab.id, title: tab.title ?? '' };
  },

  async capture(tab, { microphone }) {
    if (hasTabCapture()) {
      if (tab.tabId === undefined) throw new ShareError('no-tab');
      const streamId = await chrome.tabCapture.getMediaStreamId({ targetTabId: tab.tabId });
      const source = { chromeMediaSource: 'tab', chromeMediaSourceId: streamId };
      // Chrome's legacy constraint form is the only way to name a tab stream id.
      const stream = await navigator.mediaDevices.getUserMedia({
        video: {
          mandatory: { ...source, maxWidth: MAX_WIDTH, maxHeight: MAX_HEIGHT, maxFrameRate: MAX_FRAME_RATE },
        },
        audio: { mandatory: source },
      } as unknown as MediaStreamConstraints);
      return startCapture(stream, tab.title, microphone, tab.tabId);
    }
    if (typeof navigator.mediaDevices?.getDisplayMedia !== 'function') throw new ShareError('unsupported');
    // Firefox captures no tab audio through getDisplayMedia: video only, the microphone goes on alone.
    const stream = await navigator.mediaDevices.getDisplayMedia({
      video: { height: { max: MAX_HEIGHT }, frameRate: { max: MAX_FRAME_RATE } },
    });
    // The track's label is what the user picked ("Primary Monitor", a window's title): both sides show it.
    const label = stream.getVideoTracks()[0]?.label ?? '';
    return startCapture(stream, label, microphone, undefined);
  },
};

async function startCapture(
  stream: MediaStream,
  title: string,
  microphone: MediaStreamTrack | undefined,
  tabId: number | undefined,
): Promise<TabCapture> {
  const video = stream.getVideoTracks()[0];
  if (!video) {
    for (const track of stream.getTracks()) track.stop();
    throw new ShareError('failed');
  }
  // Tells the encoder this is text and edges, not faces: sharpness over smooth motion.
  video.contentHint = 'detail';
  const tabAudio = stream.getAudioTracks()[0];
  const mix = tabAudio ? await mixAudio(tabAudio, microphone) : undefined;

  let listener: ((reason: EndReason) => void) | undefined;
  let ended: EndReason | undefined;
  let stopped = false;
  const end = (reason: EndReason) => {
    if (ended || stopped) return;
    ended = reason;
    listener?.(reason);
  };
  const unwatch = tabId === undefined ? () => undefined : watchTab(tabId, end);
  video.addEventListener('ended', () => {
    // The track also ends when its tab closes: say which it was.
    if (tabId === undefined) end('stopped-in-browser');
    else
      void browser.tabs.get(tabId).then(
        () => end('stopped-in-browser'),
        () => end('tab-closed'),
      );
  });

  return {
    video,
    audio: mix?.track,
    title,
    height: video.getSettings().height,
    onEnd(next) {
      listener = next;
      if (ended) next(ended);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      unwatch();
      for (const track of stream.getTracks()) track.stop();
      mix?.close();
    },
  };
}

/**
 * Calls back when the tab closes or shows another page. Chrome tells an address change only while the user's
 * click still grants us the tab (same origin); after that a load shows as a bare `status: 'loading'`. A new
 * #fragment (web apps change it on every click) or a reload of the same address is still the same page.
 */
function watchTab(tabId: number, end: (reason: EndReason) => void): () => void {
  let address: string | undefined;
  void browser.tabs.get(tabId).then(
    (tab) => (address = tab.url === undefined ? undefined : withoutFragment(tab.url)),
    () => end('tab-closed'),
  );
  const onRemoved = (id: number) => {
    if (id === tabId) end('tab-closed');
  };
  const onUpdated = (id: number, change: browser.Tabs.OnUpdatedChangeInfoType) => {
    if (id !== tabId || change.status !== 'loading') return;
    if (change.url !== undefined && address !== undefined && withoutFragment(change.url) === address) return;
    end('tab-navigated');
  };
  browser.tabs.onRemoved.addListener(onRemoved);
  browser.tabs.onUpdated.addListener(onUpdated);
  return () => {
    browser.tabs.onRemoved.removeListener(onRemoved);
    browser.tabs.onUpdated.removeListener(onUpdated);
  };
}

function withoutFragment(url: string): string {
  const hash = url.indexOf('#');
  return hash === -1 ? url : url.slice(0, hash);
}

/**
 * The tab's sound, played back for the user and mixed with the microphone into one track. Muting still
 * works: a disabled microphone track feeds silence into the mix. An AudioContext that the browser will not
 * start (no user activation) would silence the microphone too, so then the tab's sound is left out.
 */
async function mixAudio(
  tabAudio: MediaStreamTrack,
  microphone: MediaStreamTrack | undefined,
): Promise<{ track: MediaStreamTrack; close(): void } | undefined> {
  const context = new AudioContext();
  await Promise.race([context.resume(), new Promise((resolve) => setTimeout(resolve, 500))]);
  const track = context.state === 'running' ? context.createMediaStreamDestination() : undefined;
  if (!track) {
    void context.close();
    tabAudio.stop();
    return undefined;
  }
  const tab = context.createMediaStreamSource(new MediaStream([tabAudio]));
  tab.connect(context.destination);
  tab.connect(track);
  if (microphone) context.createMediaStreamSource(new MediaStream([microphone])).connect(track);
  const mixed = track.stream.getAudioTracks()[0];
  if (!mixed) {
    void context.close();
    return undefined;
  }
  return {
    track: mixed,
    close() {
      mixed.stop();
      void context.close();
    },
  };
}

/**
 * The tab the popup was opened on, for "Share this tab" there: the click that opened the popup invoked
 * Diyalog on it, so Chrome lets us read its title and capture it, unless it is one of the pages no
 * extension may touch (chrome:// pages, the Web Store), whose address stays hidden even now.
 */
export async function invokedTab(): Promise<{ tabId: number; title: string }> {
  const [tab] = await browser.tabs.query({ active: true, currentWindow: true });
  if (tab?.id === undefined) throw new ShareError('no-tab');
  if (hasTabCapture() && tab.url === undefined) throw new ShareError('not-capturable');
  return { tabId: tab.id, title: tab.title ?? '' };
}
