import { reconnectingSeconds, type CallState } from './call-machine.js';
import type { CallSnapshot, Participant } from './call-types.js';
import type { Bars } from './quality/mos.js';
import type { DecisionReason } from './quality/policy.js';

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

/** Why the other side sends no video (the receiver words it), or undefined while it does. */
export type RemotePause = 'user' | 'poor-connection';

export function remotePause(snapshot: CallSnapshot<unknown>): RemotePause | undefined {
  const remote = snapshot.remoteDecision;
  if (remote?.settledLevel !== 'audio-only') return undefined;
  return remote.reason === 'user-audio-only' ? 'user' : 'poor-connection';
}

/** The reasons of a decision that leave video below full quality because of the connection. */
const LOWERED_BY_CONNECTION: ReadonlySet<DecisionReason> = new Set<DecisionReason>([
  'bandwidth',
  'loss',
  'probe',
  'probe-failed',
  'fallback-disabled',
]);

/**
 * Whether the call view shows the banner for our own quality decision: while we send audio only, and while
 * automatic audio-only is off and the connection has lowered our video — the user switched off the one
 * step that would otherwise say so, and the other side's picture is poor because of our upload.
 */
export function showsDecision(snapshot: CallSnapshot<unknown>): boolean {
  const decision = snapshot.decision;
  if (decision === undefined) return false;
  if (sendingAudioOnly(snapshot)) return true;
  return (
    decision.mode === 'auto' &&
    !decision.autoFallback &&
    decision.settledLevel !== 'high' &&
    LOWERED_BY_CONNECTION.has(decision.reason)
  );
}

/**
 * Whether the other side's connection holds its video at the lowest level (it still sends video: audio only
 * is `remotePause`). The receiver sees a few frames a second and is told why.
 */
export function remoteLowered(snapshot: CallSnapshot<unknown>): boolean {
  const remote = snapshot.remoteDecision;
  return remote?.settledLevel === 'low' && LOWERED_BY_CONNECTION.has(remote.reason);
}

/** What the status line says, as facts the UI words (src/ui/text/). */
export interface StatusFacts {
  readonly state: CallState;
  /** While reconnecting: whole seconds since the media path broke. */
  readonly seconds: number;
  /** Connected while we send no video (by the policy or by choice). */
  readonly audioOnly: boolean;
  /** Connected, but nothing has arrived from the other side for a second or more. */
  readonly unstable: boolean;
  /** A call that still needs the server (to be joined, or to connect) has lost it. */
  readonly serverLost: boolean;
  /** Connecting in a room past the connect time: how many others the call is still trying to reach. */
  readonly stillConnecting: number | undefined;
}

/**
 * The status line: the call's phase ("Connection unstable…" while connected but nothing arrives), plus
 * "Audio only" or "reconnecting to the server" where they apply.
 */
export function callStatus(snapshot: CallSnapshot<unknown>): StatusFacts {
  const { state } = snapshot;
  const needsServer = state.phase === 'waiting' || state.phase === 'ready' || state.phase === 'connecting';
  return {
    state,
    seconds: reconnectingSeconds(state, snapshot.now),
    audioOnly: state.phase === 'connected' && sendingAudioOnly(snapshot),
    unstable: state.phase === 'connected' && snapshot.unstable,
    serverLost: needsServer && !snapshot.signalingOpen,
    stillConnecting: state.phase === 'connecting' ? snapshot.stillConnecting : undefined,
  };
}

/** What one participant's tile says about their link while it is in trouble (the UI words it). */
export type TileTrouble =
  | { readonly kind: 'unstable' }
  | { readonly kind: 'reconnecting'; readonly seconds: number }
  | { readonly kind: 'lost' };

/**
 * A tile's own trouble, so that in a group the one frozen person is pointed out while the call as a whole
 * stays "Connected": nothing arriving from them for a second or more, then reconnecting (counted from when
 * their media path broke), then lost. Undefined while their link is fine (or not yet connected).
 */
export function tileTrouble(p: Participant<unknown>, now: number): TileTrouble | undefined {
  if (p.phase === 'connected') return p.unstable ? { kind: 'unstable' } : undefined;
  if (p.phase === 'reconnecting' && p.reconnectingSince !== undefined)
    return { kind: 'reconnecting', seconds: Math.max(0, Math.floor((now - p.reconnectingSince) / 1000)) };
  return p.phase === 'lost' ? { kind: 'lost' } : undefined;
}

/**
 * The 1:1 call's bars: none (0) while nothing arrives (unstable, reconnecting, lost). The last reading was
 * taken while media still flowed, and full bars over a frozen picture would say the opposite of the status.
 */
export function shownBars(snapshot: CallSnapshot<unknown>): Bars | undefined {
  const { phase } = snapshot.state;
  return snapshot.unstable || phase === 'reconnecting' || phase === 'lost' ? 0 : snapshot.quality?.bars;
}

/** A tile's bars: none (0) while its link is in trouble (`tileTrouble`), for the same reason. */
export function tileBars(p: Participant<unknown>, trouble: TileTrouble | undefined): Bars | undefined {
  return trouble === undefined ? p.quality?.bars : 0;
}
