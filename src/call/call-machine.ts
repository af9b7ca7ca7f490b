import type { CallError } from './errors.js';

/**
 * The call's life, as a pure reducer.
 *   host:  idle → preparing → waiting → connecting → connected → ended
 *   guest: idle → preparing → ready → connecting → connected → ended
 * A connected call whose media path breaks goes `reconnecting` (ICE restarts) and back to `connected`; after
 * the give-up limit it is `lost` (restarts stop, the call is kept) until "Try again" or a hang-up.
 * A room's call still connecting goes back to `waiting` when everyone it was connecting to dropped and did not
 * come back (mesh/away.ts); someone's offer takes it to `connecting` again, as a host's.
 * Any phase before `ended` can fail; `ended` and `failed` are final (a new call is a new machine).
 */
export type Role = 'host' | 'guest';
export type EndReason = 'hangup' | 'remote-hangup' | 'peer-left';

export type CallState =
  | { readonly phase: 'idle' | 'preparing' | 'waiting' | 'ready' | 'connecting' | 'connected' | 'lost' }
  /** `since`: when the media path broke (the clock of the Timers port), for "Reconnecting… (12 s)". */
  | { readonly phase: 'reconnecting'; readonly since: number }
  | { readonly phase: 'ended'; readonly reason: EndReason }
  | { readonly phase: 'failed'; readonly error: CallError };

export type CallPhase = CallState['phase'];

export type CallEvent =
  | { readonly type: 'prepare' }
  | { readonly type: 'prepared'; readonly role: Role }
  | { readonly type: 'join' }
  | { readonly type: 'offer-received' }
  | { readonly type: 'peer-connected' }
  | { readonly type: 'interrupted'; readonly at: number }
  | { readonly type: 'give-up' }
  | { readonly type: 'retry'; readonly at: number }
  | { readonly type: 'hangup' }
  | { readonly type: 'remote-hangup' }
  | { readonly type: 'peer-gone' }
  /** A room's joiner still connecting whose every other member dropped and did not come back (mesh/away.ts). */
  | { readonly type: 'alone' }
  | { readonly type: 'fail'; readonly error: CallError };

export const initialState: CallState = { phase: 'idle' };

export function isFinal(state: CallState): boolean {
  return state.phase === 'ended' || state.phase === 'failed';
}

/** The next state, or the same object when the event means nothing in this phase. */
export function nextState(state: CallState, event: CallEvent): CallState {
  if (isFinal(state)) return state;
  switch (event.type) {
    case 'prepare':
      return state.phase === 'idle' ? { phase: 'preparing' } : state;
    case 'prepared':
      return state.phase === 'preparing' ? { phase: event.role === 'host' ? 'waiting' : 'ready' } : state;
    case 'join':
      return state.phase === 'ready' ? { phase: 'connecting' } : state;
    case 'offer-received':
      return state.phase === 'waiting' ? { phase: 'connecting' } : state;
    case 'peer-connected':
      return state.phase === 'connecting' || state.phase === 'reconnecting' || state.phase === 'lost'
        ? { phase: 'connected' }
        : state;
    case 'interrupted':
      return state.phase === 'connected' ? { phase: 'reconnecting', since: event.at } : state;
    case 'give-up':
      return state.phase === 'reconnecting' ? { phase: 'lost' } : state;
    case 'retry':
      return state.phase === 'lost' ? { phase: 'reconnecting', since: event.at } : state;
    case 'hangup':
      return { phase: 'ended', reason: 'hangup' };
    case 'remote-hangup':
      return state.phase === 'connecting' || isLive(state)
        ? { phase: 'ended', reason: 'remote-hangup' }
        : state;
    case 'peer-gone':
      return isLive(state) ? { phase: 'ended', reason: 'peer-left' } : state;
    case 'alone':
      return state.phase === 'connecting' ? { phase: 'waiting' } : state;
    case 'fail':
      return { phase: 'failed', error: event.error };
  }
}

/** A call that has connected and not ended: its peer connection exists, working or not. */
export function isLive(state: { readonly phase: CallPhase }): boolean {
  return state.phase === 'connected' || state.phase === 'reconnecting' || state.phase === 'lost';
}

/** Whole seconds since the media path broke, for "Reconnecting… (12 s)"; `now` on the state's clock. */
export function reconnectingSeconds(state: CallState, now = 0): number {
  return state.phase === 'reconnecting' ? Math.max(0, Math.floor((now - state.since) / 1000)) : 0;
}
