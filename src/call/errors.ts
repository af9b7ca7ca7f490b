/**
 * Every failure a user can meet, with words that say what happened and what to do.
 * The UI shows `message` as is; `kind` lets code and tests tell failures apart.
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
  | 'connection-failed';

const MESSAGES: Readonly<Record<CallErrorKind, string>> = {
  'media-denied':
    'Diyalog is not allowed to use your camera and microphone. Allow them for this page in the browser’s site settings (the icon left of the address bar), then try again.',
  'media-unavailable':
    'No camera or microphone could be started. Check that one is connected and not in use by another app, then try again.',
  'server-unreachable':
    'The Diyalog server cannot be reached. Check your connection (or that the server is running) and try again.',
  'server-error': 'The Diyalog server refused the connection. Try again in a moment.',
  'link-invalid':
    'This invite link is incomplete or damaged. Ask the person who invited you to copy the link again.',
  'room-empty':
    'Nobody is waiting in this call. The person who invited you may have hung up — ask them for a new link.',
  'id-taken': 'This call is already open in another window.',
  unauthorized:
    'The call refused this invite link: its secret part is wrong or missing. Ask for the link again and paste all of it.',
  busy: 'This call already has someone in it.',
  'connection-failed':
    'Could not connect to the other person. A firewall may be blocking the call; try again, or from another network.',
};

export class CallError extends Error {
  override readonly name = 'CallError';
  constructor(
    readonly kind: CallErrorKind,
    detail?: string,
  ) {
    super(MESSAGES[kind], detail === undefined ? undefined : { cause: detail });
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
