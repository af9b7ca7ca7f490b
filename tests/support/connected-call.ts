import type { Page } from 'playwright-core';
import { joinedCall } from './call-flow.js';
import { launchPlain, launchWithExtension } from './chromium.js';
import { startServer } from './server.js';

export interface ConnectedCall {
  /** The extension's side panel (opened as a tab), hosting the call. */
  readonly panel: Page;
  /** The join page of a plain Chromium without the extension, the guest. */
  readonly join: Page;
  /** Closes both browsers and the server. */
  close(): Promise<void>;
}

/**
 * A call between the extension's side panel and a join page in another Chromium, through a server of its own,
 * once both sides say "Connected": the setup the feature e2e tests (chat, files) share.
 */
export async function connectedCall(): Promise<ConnectedCall> {
  const server = await startServer();
  const [host, guest] = await Promise.all([launchWithExtension({ serverUrl: server.url }), launchPlain()]);
  const close = async () => {
    await Promise.all([host.close(), guest.browser.close()]);
    await server.close();
  };
  try {
    const panel = await host.open('sidepanel.html');
    const join = guest.page;
    await joinedCall(panel, join);
    return { panel, join, close };
  } catch (error) {
    await close();
    throw error;
  }
}
