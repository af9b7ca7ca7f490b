import browser from 'webextension-polyfill';

/** This browser has neither Chrome's side panel nor Firefox's sidebar (the popup words it). */
export class NoPanelError extends Error {
  constructor() {
    super('no side panel or sidebar API');
    this.name = 'NoPanelError';
  }
}

/**
 * Opens the call panel: Chrome's side panel, or Firefox's sidebar. Must be called synchronously inside
 * the user's click (both browsers require a user gesture), so everything it needs is fetched beforehand.
 */
export function openCallPanel(windowId: number | undefined): Promise<void> {
  if (typeof chrome !== 'undefined' && chrome.sidePanel && windowId !== undefined) {
    return chrome.sidePanel.open({ windowId });
  }
  const sidebar = sidebarAction();
  if (sidebar) {
    try {
      return sidebar.open();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
  return Promise.reject(new NoPanelError());
}

/**
 * Whether the call panel is Firefox's sidebar (not Chrome's side panel): its `sidebarAction.open()` throws once
 * the click handler has awaited anything, and its permission prompt offers "Remember this decision".
 */
export function usesSidebar(): boolean {
  return !(typeof chrome !== 'undefined' && chrome.sidePanel) && sidebarAction() !== undefined;
}

function sidebarAction(): { open(): Promise<void> } | undefined {
  return (browser as unknown as { sidebarAction?: { open(): Promise<void> } }).sidebarAction;
}

export async function currentWindowId(): Promise<number | undefined> {
  return (await browser.windows.getCurrent()).id;
}

/** Opens the page that asks for camera and microphone once (side panels cannot show the prompt). */
export async function openPermissionPage(): Promise<void> {
  await browser.tabs.create({ url: browser.runtime.getURL('permission.html') });
}

export type MediaPermission = 'granted' | 'denied' | 'prompt';

/** The camera and microphone permission for extension pages, or 'prompt' when the browser cannot tell. */
export async function mediaPermission(): Promise<MediaPermission> {
  try {
    const states = await Promise.all(
      (['camera', 'microphone'] as const).map(
        async (name) => (await navigator.permissions.query({ name: name as PermissionName })).state,
      ),
    );
    if (states.includes('denied')) return 'denied';
    return states.every((s) => s === 'granted') ? 'granted' : 'prompt';
  } catch {
    return 'prompt';
  }
}
