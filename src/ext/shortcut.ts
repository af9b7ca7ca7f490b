import browser from 'webextension-polyfill';
import { newInvite, withJoinPage } from '../call/link.js';
import { openCallPanel } from './panel.js';
import { getCallStatus, getJoinPageUrl, getServerUrl, putPendingInvite } from './storage.js';

/** The manifest's command (`commands`): opens the call panel, and starts a call when none runs. */
export const START_CALL_COMMAND = 'start-call';

/** Listens for the keyboard shortcut; returns the unsubscribe function. */
export function onStartCallShortcut(): () => void {
  const listener = (command: string, tab?: browser.Tabs.Tab) => {
    if (command !== START_CALL_COMMAND) return;
    // Both browsers open their panel only synchronously inside the shortcut's handler.
    const opened = openCallPanel(tab?.windowId);
    void (async () => {
      try {
        await opened;
      } catch (error) {
        console.warn('Diyalog: the call panel did not open', error);
        return;
      }
      // The panel shows the link with its "Copy invite link" button: no page has focus to copy it here.
      if (await getCallStatus()) return;
      const [invite, joinPageUrl] = await Promise.all([
        getServerUrl().then((url) => newInvite(url)),
        getJoinPageUrl(),
      ]);
      await putPendingInvite(withJoinPage(invite, joinPageUrl));
    })();
  };
  browser.commands.onCommand.addListener(listener);
  return () => browser.commands.onCommand.removeListener(listener);
}

/** The shortcut as the browser shows it ('' when the user removed it), for the popup. */
export async function startCallShortcut(): Promise<string> {
  const commands = await browser.commands.getAll();
  return commands.find((c) => c.name === START_CALL_COMMAND)?.shortcut ?? '';
}
