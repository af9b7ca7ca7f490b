import browser from 'webextension-polyfill';
import type { CallPhase } from '../call/call-machine.js';
import type { Invite } from '../call/link.js';

/** What the side panel publishes about its call, for the popup and the toolbar badge. */
export interface CallStatus {
  readonly phase: CallPhase;
  readonly text: string;
  readonly link?: string;
}

const SERVER_URL = 'serverUrl';
const JOIN_PAGE_URL = 'joinPageUrl';
const PENDING_INVITE = 'pendingInvite';
const CALL_STATUS = 'callStatus';
const AUTO_FALLBACK = 'autoFallback';
const DISPLAY_NAME = 'displayName';
const CAMERA_ID = 'cameraId';
const MICROPHONE_ID = 'microphoneId';

/** The server URL setting (storage.local), defaulting to the one the build was made for. */
export async function getServerUrl(): Promise<string> {
  const stored = (await browser.storage.local.get(SERVER_URL))[SERVER_URL];
  return typeof stored === 'string' && stored !== '' ? stored : __DIYALOG_SERVER_URL__;
}

export async function setServerUrl(url: string): Promise<void> {
  await browser.storage.local.set({ [SERVER_URL]: url });
}

/** Whether calls may switch to audio only by themselves on a poor connection (storage.local, default on). */
/**
 * Where invite links open when the server's operator serves the join page elsewhere (JOIN_PAGE_URL); ''
 * for the server's own page. Set by the user or the build, never taken from the server: the point is that
 * the server does not choose the page that reads the link's secret.
 */
export async function getJoinPageUrl(): Promise<string> {
  const stored = (await browser.storage.local.get(JOIN_PAGE_URL))[JOIN_PAGE_URL];
  return typeof stored === 'string' ? stored : __DIYALOG_JOIN_PAGE_URL__;
}

export async function setJoinPageUrl(url: string): Promise<void> {
  await browser.storage.local.set({ [JOIN_PAGE_URL]: url });
}

export async function getAutoFallback(): Promise<boolean> {
  return (await browser.storage.local.get(AUTO_FALLBACK))[AUTO_FALLBACK] !== false;
}

export async function setAutoFallback(enabled: boolean): Promise<void> {
  await browser.storage.local.set({ [AUTO_FALLBACK]: enabled });
}

/** The name the others see (storage.local; '' when the user gave none). */
export async function getDisplayName(): Promise<string> {
  const stored = (await browser.storage.local.get(DISPLAY_NAME))[DISPLAY_NAME];
  return typeof stored === 'string' ? stored : '';
}

export async function setDisplayName(name: string): Promise<void> {
  await browser.storage.local.set({ [DISPLAY_NAME]: name });
}

/** The camera and microphone picked in the options (device ids; undefined: the browser's default). */
export async function getMediaChoice(): Promise<{ cameraId?: string; microphoneId?: string }> {
  const stored = await browser.storage.local.get([CAMERA_ID, MICROPHONE_ID]);
  const id = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const cameraId = id(stored[CAMERA_ID]);
  const microphoneId = id(stored[MICROPHONE_ID]);
  return { ...(cameraId ? { cameraId } : {}), ...(microphoneId ? { microphoneId } : {}) };
}

export async function setMediaChoice(choice: { cameraId: string; microphoneId: string }): Promise<void> {
  await browser.storage.local.set({ [CAMERA_ID]: choice.cameraId, [MICROPHONE_ID]: choice.microphoneId });
}

/** A call the popup (or the shortcut) hands to the side panel: one to host, or someone's link to join. */
export interface PendingCall {
  readonly invite: Invite;
  readonly role: 'host' | 'guest';
}

/** The popup hands a new call to the side panel through session storage (it survives the popup closing). */
export async function putPendingInvite(invite: Invite, role: PendingCall['role'] = 'host'): Promise<void> {
  const pending: PendingCall = { invite, role };
  await browser.storage.session.set({ [PENDING_INVITE]: pending });
}

export async function takePendingInvite(): Promise<PendingCall | undefined> {
  const pending = (await browser.storage.session.get(PENDING_INVITE))[PENDING_INVITE] as
    PendingCall | undefined;
  if (pending) await browser.storage.session.remove(PENDING_INVITE);
  return pending;
}

export async function setCallStatus(status: CallStatus | undefined): Promise<void> {
  if (status) await browser.storage.session.set({ [CALL_STATUS]: status });
  else await browser.storage.session.remove(CALL_STATUS);
}

export async function getCallStatus(): Promise<CallStatus | undefined> {
  return (await browser.storage.session.get(CALL_STATUS))[CALL_STATUS] as CallStatus | undefined;
}

/** Calls back when a session key changes; returns the unsubscribe function. */
export function onSessionChange(
  key: typeof PENDING_INVITE | typeof CALL_STATUS,
  listener: (value: unknown) => void,
): () => void {
  const handler = (changes: Record<string, browser.Storage.StorageChange>, area: string) => {
    if (area === 'session' && key in changes) listener(changes[key]?.newValue);
  };
  browser.storage.onChanged.addListener(handler);
  return () => browser.storage.onChanged.removeListener(handler);
}
