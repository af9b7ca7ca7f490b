/**
 * Bounds of one recording, hence of a diagnostics file: at ~190 bytes per second of stats, a full file is
 * ~0.75 MB (3,600 s) plus ~60 KB for the rest; `buildDiagnostics` checks the total against MAX_FILE_BYTES.
 */
export const MAX_STATS_POINTS = 3600;
export const MAX_TIMELINE = 400;
export const MAX_DECISIONS = 200;
export const MAX_RECONNECTS = 100;
export const MAX_ERRORS = 50;
/** Error messages are cut to this many characters. */
export const MAX_MESSAGE_CHARS = 300;
/** The largest diagnostics file written: past it, the oldest stats seconds are dropped until it fits. */
export const MAX_FILE_BYTES = 1024 * 1024;
/** ICE candidates are read from the connection's stats this often while it lives. */
export const ICE_READ_INTERVAL_MS = 5000;
