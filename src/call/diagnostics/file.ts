import type { Environment } from './environment.js';
import type { IceCandidateInfo, IceReport } from './ice.js';
import { MAX_FILE_BYTES } from './limits.js';
import type { CallRecording } from './recording.js';

/**
 * A diagnostics file (format `diyalog-diagnostics`, version 1); see README.md in this folder for every field.
 * Readers must check `format` and `version` and ignore fields they do not know.
 */
export const DIAGNOSTICS_FORMAT = 'diyalog-diagnostics';
export const DIAGNOSTICS_VERSION = 1;

export interface DiagnosticsFile {
  readonly format: typeof DIAGNOSTICS_FORMAT;
  readonly version: typeof DIAGNOSTICS_VERSION;
  readonly savedAt: string;
  /** Whether IP addresses and host names were replaced by "redacted". */
  readonly addressesRedacted: boolean;
  readonly environment: Environment;
  readonly call: Omit<CallRecording, 'startedAt' | 'ice'> & { readonly startedAt: string };
  readonly ice: IceReport | undefined;
}

export interface DiagnosticsOptions {
  /** Replace IP addresses and host names (ICE candidates, any text) with "redacted". */
  readonly redactAddresses: boolean;
  /**
   * Values that must never appear (the invite secret, the signaling token, the room and peer ids): removed
   * wherever they occur, on top of the patterns below. The recording holds none of them by design; this is
   * the second lock.
   */
  readonly secrets: readonly string[];
  readonly now?: Date;
}

export const REDACTED = 'redacted';
const REMOVED = '[removed]';

/** SDP fingerprints (`a=fingerprint:sha-256 AB:CD:…`) and bare colon-hex digests of 16+ bytes. */
const FINGERPRINT = /a=fingerprint:[^\r\n"]*|\b(?:[0-9A-Fa-f]{2}:){15,}[0-9A-Fa-f]{2}\b/g;
/** Whole SDP bodies, ICE credentials and secrets in URLs (query or fragment). */
const SDP_LINE = /(?:^|\r?\n)(?:v=0|a=ice-pwd:|a=ice-ufrag:)[^\r\n"]*/g;
const URL_SECRET = /([?&#](?:token|s|secret|key|credential|password)=)[^&#\s"']+/gi;
/** Anything shaped like Diyalog's ids (22 base64url characters): room ids, peer ids, tokens, secrets. */
const ID_LIKE = /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{22}(?![A-Za-z0-9_-])/g;
const IPV4 = /\b(?:\d{1,3}\.){3}\d{1,3}\b/g;
const IPV6 =
  /(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])|(?<![\w:])::(?:[0-9A-Fa-f]{1,4}:?){1,7}(?![\w:])/g;
const MDNS = /\b[0-9a-f-]{36}\.local\b/gi;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Cleans one string of the file. */
export function scrub(text: string, options: DiagnosticsOptions): string {
  let out = text;
  for (const secret of options.secrets)
    if (secret.length >= 8) out = out.replace(new RegExp(escapeRegExp(secret), 'g'), REMOVED);
  out = out
    .replace(FINGERPRINT, REMOVED)
    .replace(SDP_LINE, REMOVED)
    .replace(URL_SECRET, `$1${REMOVED}`)
    .replace(ID_LIKE, REMOVED);
  if (options.redactAddresses)
    out = out.replace(MDNS, REDACTED).replace(IPV4, REDACTED).replace(IPV6, REDACTED);
  return out;
}

function redactCandidate(candidate: IceCandidateInfo | undefined): IceCandidateInfo | undefined {
  return candidate && { ...candidate, address: REDACTED };
}

/**
 * The file's JSON text for one recording: every string scrubbed, addresses redacted on request, and at most
 * MAX_FILE_BYTES (1 MiB) — the oldest stats seconds go first, counted in `call.statsDropped`.
 */
export function buildDiagnostics(
  recording: CallRecording,
  environment: Environment,
  options: DiagnosticsOptions,
): string {
  const { startedAt, ice, ...call } = recording;
  const redactedIce: IceReport | undefined =
    ice && options.redactAddresses
      ? {
          candidates: ice.candidates.map((c) => redactCandidate(c)!),
          selectedPair: ice.selectedPair && {
            ...ice.selectedPair,
            local: redactCandidate(ice.selectedPair.local),
            remote: redactCandidate(ice.selectedPair.remote),
          },
        }
      : ice;
  let stats = call.stats;
  let dropped = call.statsDropped;
  for (;;) {
    const file: DiagnosticsFile = {
      format: DIAGNOSTICS_FORMAT,
      version: DIAGNOSTICS_VERSION,
      savedAt: (options.now ?? new Date()).toISOString(),
      addressesRedacted: options.redactAddresses,
      environment,
      call: { ...call, startedAt: new Date(startedAt).toISOString(), stats, statsDropped: dropped },
      ice: redactedIce,
    };
    const text = JSON.stringify(file, (_key, value: unknown) =>
      typeof value === 'string' ? scrub(value, options) : value,
    );
    if (new TextEncoder().encode(text).length <= MAX_FILE_BYTES || stats.length === 0) return text;
    const cut = Math.max(1, Math.ceil(stats.length / 4));
    stats = stats.slice(cut);
    dropped += cut;
  }
}

/** Reads a diagnostics file back; throws an Error saying why when it is not one this version understands. */
export function parseDiagnostics(text: string): DiagnosticsFile {
  const file = JSON.parse(text) as Partial<DiagnosticsFile> | null;
  if (file?.format !== DIAGNOSTICS_FORMAT) throw new Error('This is not a Diyalog diagnostics file.');
  if (typeof file.version !== 'number' || file.version > DIAGNOSTICS_VERSION)
    throw new Error(
      `This diagnostics file is version ${String(file.version)}; this Diyalog reads up to ${DIAGNOSTICS_VERSION}.`,
    );
  return file as DiagnosticsFile;
}
