import type { CallError } from './errors.js';

/**
 * The call's life, as a pure reducer.
 *   host:  idle → preparing → waiting → connecting → connected → ended
 *   guest: idle → preparing → ready → connecting → connected → ended
 * Any phase before `ended` can fail; `ended` and `failed` are final (a new call is a new machine).
 */
export type Role = 'host' | 'guest';
export type EndReason = 'hangup' | 'remote-hangup' | 'peer-left';

export type CallState =
  | { readonly phase: 'idle' | 'preparing' | 'waiting' | 'ready' | 'connecting' | 'connected' }
  | { readonly phase: 'ended'; readonly reason: EndReason }
  | { readonly phase: 'failed'; readonly error: CallError };

export type CallPhase = CallState['phase'];

export type CallEvent =
  | { readonly type: 'prepare' }
  | { readonly type: 'prepared'; readonly role: Role }
  | { readonly type: 'join' }
  | { readonly type: 'offer-received' }
  | { readonly type: 'peer-connected' }
  | { readonly type: 'hangup' }
  | { readonly type: 'remote-hangup' }
  | { readonly type: 'peer-gone' }
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
      return state.phase === 'connecting' ? { phase: 'connected' } : state;
    case 'hangup':
      return { phase: 'ended', reason: 'hangup' };
    case 'remote-hangup':
      return state.phase === 'connecting' || state.phase === 'connected'
        ? { phase: 'ended', reason: 'remote-hangup' }
        : state;
    case 'peer-gone':
      return state.phase === 'connected' ? { phase: 'ended', reason: 'peer-left' } : state;
    case 'fail':
      return { phase: 'failed', error: event.error };
  }
}

const ENDED_TEXT: Readonly<Record<EndReason, string>> = {
  hangup: 'Call ended',
  'remote-hangup': 'Call ended — the other person hung up',
  'peer-left': 'Call ended — the other person left or lost their connection',
};

/** The words the status line shows for a state. */
export function statusText(state: CallState): string {
  switch (state.phase) {
    case 'idle':
      return 'Ready to start a call';
    case 'preparing':
      return 'Starting your camera…';
    case 'waiting':
      return 'Waiting for someone to join';
    case 'ready':
      return 'Ready to join';
    case 'connecting':
      return 'Connecting…';
    case 'connected':
      return 'Connected';
    case 'ended':
      return ENDED_TEXT[state.reason];
    case 'failed':
      return state.error.message;
  }
}
