import browser from 'webextension-polyfill';
import type { BrowserFamily } from '../call/diagnostics/environment.js';
import type { FeedbackTag, HistoryEntry, Rating } from '../call/history/entry.js';
import { addEntry, parseHistory, rateEntry } from '../call/history/history.js';
import { toReport } from '../call/history/report.js';
import { normalizeServerUrl } from '../call/link.js';

const HISTORY = 'callHistory';
const FEEDBACK_ASKED_AT = 'feedbackAskedAt';
const SEND_REPORTS = 'sendCallReports';

/** The last calls, newest first (storage.local, at most MAX_HISTORY). */
export async function loadHistory(): Promise<HistoryEntry[]> {
  return parseHistory((await browser.storage.local.get(HISTORY))[HISTORY]);
}

export async function saveCall(entry: HistoryEntry): Promise<void> {
  await browser.storage.local.set({ [HISTORY]: addEntry(await loadHistory(), entry) });
}

export async function rateCall(
  startedAt: number,
  rating: Rating,
  tags: readonly FeedbackTag[],
): Promise<void> {
  await browser.storage.local.set({ [HISTORY]: rateEntry(await loadHistory(), startedAt, rating, tags) });
}

export async function clearHistory(): Promise<void> {
  await browser.storage.local.remove(HISTORY);
}

export async function getFeedbackAskedAt(): Promise<number | undefined> {
  const value = (await browser.storage.local.get(FEEDBACK_ASKED_AT))[FEEDBACK_ASKED_AT];
  return typeof value === 'number' ? value : undefined;
}

export async function setFeedbackAskedAt(at: number): Promise<void> {
  await browser.storage.local.set({ [FEEDBACK_ASKED_AT]: at });
}

/** "Send call summaries to the server": off unless the user turned it on. */
export async function getSendReports(): Promise<boolean> {
  return (await browser.storage.local.get(SEND_REPORTS))[SEND_REPORTS] === true;
}

export async function setSendReports(enabled: boolean): Promise<void> {
  await browser.storage.local.set({ [SEND_REPORTS]: enabled });
}

/**
 * Sends one call's summary if the user opted in; failures are dropped (a report is worth no retry).
 * text/plain keeps it a simple request: no CORS preflight, which the server answers for GET only.
 */
export async function reportCall(
  serverUrl: string,
  entry: HistoryEntry,
  browserFamily: BrowserFamily,
): Promise<boolean> {
  if (!(await getSendReports())) return false;
  try {
    const response = await fetch(`${normalizeServerUrl(serverUrl)}/api/reports`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: JSON.stringify(toReport(entry, browserFamily)),
    });
    return response.ok;
  } catch {
    return false;
  }
}

/** Calls back when the history changes (another page saved a call or a rating). */
export function onHistoryChange(listener: () => void): () => void {
  const handler = (changes: Record<string, browser.Storage.StorageChange>, area: string) => {
    if (area === 'local' && HISTORY in changes) listener();
  };
  browser.storage.onChanged.addListener(handler);
  return () => browser.storage.onChanged.removeListener(handler);
}
