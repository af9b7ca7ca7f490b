/**
 * The service worker only wires: it mirrors the side panel's call status on the toolbar badge, and
 * answers the keyboard shortcut.
 * The call itself lives in the side panel, since service workers have no RTCPeerConnection.
 */
import browser from 'webextension-polyfill';
import { onStartCallShortcut } from '../ext/shortcut.js';
import { onSessionChange, type CallStatus } from '../ext/storage.js';

const BADGE: Partial<Record<CallStatus['phase'], { text: string; color: string }>> = {
  waiting: { text: '…', color: '#1b6fc2' },
  connecting: { text: '…', color: '#1b6fc2' },
  connected: { text: 'on', color: '#1e7e34' },
  reconnecting: { text: '!', color: '#b26a00' },
  lost: { text: '!', color: '#b3261e' },
};

onSessionChange('callStatus', (value) => {
  const badge = BADGE[(value as CallStatus | undefined)?.phase ?? 'idle'];
  void browser.action.setBadgeText({ text: badge?.text ?? '' });
  if (badge) void browser.action.setBadgeBackgroundColor({ color: badge.color });
});

onStartCallShortcut();
