import { statusText } from './call-machine.js';
import type { CallSnapshot } from './call.js';

/**
 * Whether we send no video, by the policy or by choice. A trial of video from audio-only still counts until
 * it holds, since the policy may take it back (the other side is told the same: it shows `settledLevel`).
 */
export function sendingAudioOnly(snapshot: CallSnapshot<unknown>): boolean {
  const decision = snapshot.decision;
  return (
    decision !== undefined && (decision.level === 'audio-only' || decision.settledLevel === 'audio-only')
  );
}

/** What the receiver says while the other side sends no video, or undefined while it does. */
export function remotePausedText(snapshot: CallSnapshot<unknown>): string | undefined {
  const remote = snapshot.remoteDecision;
  if (remote?.settledLevel !== 'audio-only') return undefined;
  return remote.reason === 'user-audio-only'
    ? 'The other person switched to audio only'
    : "The other person's video is paused: poor connection";
}

/**
 * The status line: the call's phase, plus "Audio only" while we send no video, or "reconnecting to the
 * server" while a call that still needs the server (to be joined, or to connect) has lost it.
 */
export function callStatus(snapshot: CallSnapshot<unknown>): string {
  const { state } = snapshot;
  const text = statusText(state, snapshot.now);
  if (state.phase === 'connected' && sendingAudioOnly(snapshot)) return `${text} · Audio only`;
  const needsServer = state.phase === 'waiting' || state.phase === 'ready' || state.phase === 'connecting';
  return needsServer && !snapshot.signalingOpen ? `${text} · reconnecting to the server…` : text;
}
