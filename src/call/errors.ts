/**
 * Every failure a user can meet. The UI words each `kind` (what happened and what to do) in the user's
 * language (src/ui/text/); `message` is the kind, for logs and diagnostics.
 */
export type CallErrorKind =
  | 'media-denied'
  | 'media-unavailable'
  | 'server-unreachable'
  | 'server-error'
  | 'link-invalid'
  | 'room-empty'
  | 'id-taken'
  | 'unauthorized'
  | 'busy'
  | 'full'
  | 'connection-failed';

export class CallError extends Error {
  override readonly name = 'CallError';
  constructor(
    readonly kind: CallErrorKind,
    detail?: string,
  ) {
    super(kind, detail === undefined ? undefined : { cause: detail });
  }
}

/** Maps a getUserMedia rejection to the failure a user can act on. */
export function mediaError(error: unknown): CallError {
  const name = error instanceof Error || isDomExceptionLike(error) ? error.name : '';
  const kind = name === 'NotAllowedError' || name === 'SecurityError' ? 'media-denied' : 'media-unavailable';
  return new CallError(kind, String(error));
}

function isDomExceptionLike(value: unknown): value is { name: string } {
  return (
    typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string'
  );
}

/**
 * Whether a room cannot be used again after this failure: its id is held by someone else, it is full, or
 * the server will not admit us to it. "Try again" then starts a new room (with a new link).
 */
export function roomUnusable(error: CallError): boolean {
  return (
    error.kind === 'id-taken' ||
    error.kind === 'busy' ||
    error.kind === 'full' ||
    error.kind === 'link-invalid'
  );
}
