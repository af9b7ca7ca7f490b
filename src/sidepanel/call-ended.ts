import { describeEnvironment } from '../call/diagnostics/environment.js';
import type { CallRecording } from '../call/diagnostics/recording.js';
import { shouldAskFeedback, summarizeCall, type HistoryEntry } from '../call/history/entry.js';
import { getFeedbackAskedAt, reportCall, saveCall, setFeedbackAskedAt } from '../ext/history-storage.js';

/**
 * A call reached `ended` or `failed`: keeps it in the history (when someone tried to connect: a host who
 * hangs up while waiting alone made no call) and says whether to ask "How was this call?".
 */
export async function recordEndedCall(
  recording: CallRecording,
): Promise<{ entry: HistoryEntry; askFeedback: boolean } | undefined> {
  const tried = recording.timeline.some((e) => e.event === 'phase:connecting' || e.event === 'phase:failed');
  if (!tried) return undefined;
  const entry = summarizeCall(recording);
  await saveCall(entry);
  const now = Date.now();
  const askFeedback = shouldAskFeedback(entry, await getFeedbackAskedAt(), now);
  if (askFeedback) await setFeedbackAskedAt(now);
  return { entry, askFeedback };
}

/** Sends the opt-in summary (a no-op unless the user turned it on). */
export function sendReport(serverUrl: string, entry: HistoryEntry): void {
  void reportCall(serverUrl, entry, describeEnvironment(navigator.userAgent, '').browser);
}
