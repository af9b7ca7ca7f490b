import type { RawData, WebSocket } from 'ws';

export type FrameRejection = 'binary-frame' | 'malformed-json' | 'not-an-object';

/** Why a client frame cannot be a PeerJS message, or undefined when it can. */
export function checkFrame(data: RawData, isBinary: boolean): FrameRejection | undefined {
  if (isBinary) return 'binary-frame';
  const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
  let message: unknown;
  try {
    message = JSON.parse(bytes.toString('utf8'));
  } catch {
    return 'malformed-json';
  }
  return typeof message === 'object' && message !== null && !Array.isArray(message)
    ? undefined
    : 'not-an-object';
}

/**
 * Stops bad frames before the peer library sees them (it would only throw on them), reports why and closes
 * the sender. It has to sit in `emit`: listeners cannot stop the peer library's own 'message' listener.
 */
export function guardFrames(ws: WebSocket, onReject: (reason: FrameRejection) => void): void {
  const emit = ws.emit.bind(ws);
  ws.emit = ((event: string | symbol, ...args: unknown[]): boolean => {
    if (event !== 'message') return emit(event, ...args);
    const reason = checkFrame(args[0] as RawData, args[1] === true);
    if (reason === undefined) return emit(event, ...args);
    onReject(reason);
    ws.close(reason === 'binary-frame' ? 1003 : 1007, reason);
    return true;
  }) as WebSocket['emit'];
}
