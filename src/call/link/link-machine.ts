import type { CallError } from '../errors.js';

/**
 * One peer link's life, as a pure reducer:
 *   connecting → connected ⇄ reconnecting → lost (→ reconnecting on "Try again") → closed
 * `failed`: it never connected. `closed`: it ended, by either side or because the other side vanished.
 */
export type LinkCloseReason = 'hangup' | 'remote-hangup' | 'peer-left';

export type LinkState =
  | { readonly phase: 'connecting' | 'connected' | 'lost' }
  | { readonly phase: 'reconnecting'; readonly since: number }
  | { readonly phase: 'closed'; readonly reason: LinkCloseReason }
  | { readonly phase: 'failed'; readonly error: CallError };

export type LinkEvent =
  | { readonly type: 'connected' }
  | { readonly type: 'interrupted'; readonly at: number }
  | { readonly type: 'give-up' }
  | { readonly type: 'retry'; readonly at: number }
  | { readonly type: 'close'; readonly reason: LinkCloseReason }
  | { readonly type: 'fail'; readonly error: CallError };

export const initialLinkState: LinkState = { phase: 'connecting' };

export function isLinkFinal(state: LinkState): boolean {
  return state.phase === 'closed' || state.phase === 'failed';
}

/** Connected once and not ended: its peer connection exists, working or not. */
export function isLinkLive(state: { readonly phase: LinkState['phase'] }): boolean {
  return state.phase === 'connected' || state.phase === 'reconnecting' || state.phase === 'lost';
}

/** The next state, or the same object when the event means nothing in this phase. */
export function nextLinkState(state: LinkState, event: LinkEvent): LinkState {
  if (isLinkFinal(state)) return state;
  switch (event.type) {
    case 'connected':
      return state.phase === 'connected' ? state : { phase: 'connected' };
    case 'interrupted':
      return state.phase === 'connected' ? { phase: 'reconnecting', since: event.at } : state;
    case 'give-up':
      return state.phase === 'reconnecting' ? { phase: 'lost' } : state;
    case 'retry':
      return state.phase === 'lost' ? { phase: 'reconnecting', since: event.at } : state;
    case 'close':
      // A socket gone before the link connected says nothing yet: the connect timeout decides.
      return event.reason === 'peer-left' && state.phase === 'connecting'
        ? state
        : { phase: 'closed', reason: event.reason };
    case 'fail':
      return state.phase === 'connecting' ? { phase: 'failed', error: event.error } : state;
  }
}
