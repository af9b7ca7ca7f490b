import { describeEnvironment } from '../../call/diagnostics/environment.js';
import { buildDiagnostics } from '../../call/diagnostics/file.js';
import type { CallRecording } from '../../call/diagnostics/recording.js';

/** The extension's version where there is one (the join page is not an extension: "web"). */
function appVersion(): string {
  const runtime = (globalThis as { chrome?: { runtime?: { getManifest?: () => { version: string } } } })
    .chrome?.runtime;
  return runtime?.getManifest?.().version ?? 'web';
}

/** `diyalog-diagnostics-2026-12-06-0312.json`, in local time (what the user saw on the clock). */
export function diagnosticsFileName(startedAt: number): string {
  const d = new Date(startedAt);
  const p = (n: number) => String(n).padStart(2, '0');
  return `diyalog-diagnostics-${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}.json`;
}

/** Builds the file and hands it to the browser's downloads; returns its size in bytes. */
export function saveDiagnostics(
  recording: CallRecording,
  options: { redactAddresses: boolean; secrets: readonly string[] },
): number {
  const text = buildDiagnostics(recording, describeEnvironment(navigator.userAgent, appVersion()), options);
  const blob = new Blob([text], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = diagnosticsFileName(recording.startedAt);
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return blob.size;
}
