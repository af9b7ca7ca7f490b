/** Every line the server logs. Ids only: never SDP, payloads or tokens. */
export type LogEntry =
  | { event: 'server-started'; url: string; publicUrl: string }
  | { event: 'server-stopped' }
  | { event: 'peer-connected'; id: string }
  | { event: 'peer-disconnected'; id: string }
  | { event: 'frame-rejected'; id: string; reason: string }
  | { event: 'peer-error'; reason: string }
  | { event: 'http-error'; status: number; reason: string };

export type Logger = (entry: LogEntry) => void;

/** One JSON line per event on stdout. */
export const jsonLogger: Logger = (entry) => {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
};

export const silentLogger: Logger = () => {};
