import type { CallState } from '../../call/call-machine.js';
import type { StatusFacts, TileTrouble } from '../../call/status.js';
import type { Text } from './en.js';

/** The words for a call's phase (`seconds`: how long it has been reconnecting). */
export function phaseText(t: Text, state: CallState, seconds = 0): string {
  switch (state.phase) {
    case 'reconnecting':
      return t.status.reconnecting(seconds);
    case 'ended':
      return t.status.ended[state.reason];
    case 'failed':
      return t.errors[state.error.kind];
    default:
      return t.status[state.phase];
  }
}

/** The status line: the phase, plus "Audio only" or "reconnecting to the server…" where they apply. */
export function statusText(t: Text, s: StatusFacts): string {
  if (s.unstable) return t.status.unstable;
  const phase =
    s.stillConnecting === undefined
      ? phaseText(t, s.state, s.seconds)
      : t.status.stillConnecting(s.stillConnecting);
  if (s.audioOnly) return `${phase} · ${t.status.audioOnly}`;
  return s.serverLost ? `${phase} · ${t.status.serverLost}` : phase;
}

/** The words on one participant's tile while their link is in trouble (the status line's own words). */
export function tileTroubleText(t: Text, trouble: TileTrouble): string {
  switch (trouble.kind) {
    case 'unstable':
      return t.status.unstable;
    case 'reconnecting':
      return t.status.reconnecting(trouble.seconds);
    case 'lost':
      return t.status.lost;
  }
}
