import { describe, expect, it } from 'vitest';
import {
  initialState,
  isFinal,
  nextState,
  reconnectingSeconds,
  type CallEvent,
  type CallPhase,
  type CallState,
} from '../../../src/call/call-machine.js';
import { CallError } from '../../../src/call/errors.js';
import { en } from '../../../src/ui/text/en.js';
import { phaseText } from '../../../src/ui/text/status.js';

/** The English status for a state (src/ui/text/), `now` on the state's clock. */
const statusText = (state: CallState, now = 0) => phaseText(en, state, reconnectingSeconds(state, now));

const error = new CallError('busy');
const events: Record<string, CallEvent> = {
  prepare: { type: 'prepare' },
  'prepared host': { type: 'prepared', role: 'host' },
  'prepared guest': { type: 'prepared', role: 'guest' },
  join: { type: 'join' },
  'offer-received': { type: 'offer-received' },
  'peer-connected': { type: 'peer-connected' },
  hangup: { type: 'hangup' },
  'remote-hangup': { type: 'remote-hangup' },
  'peer-gone': { type: 'peer-gone' },
  interrupted: { type: 'interrupted', at: 5000 },
  'give-up': { type: 'give-up' },
  retry: { type: 'retry', at: 7000 },
  fail: { type: 'fail', error },
};

type Live = Exclude<CallPhase, 'ended' | 'failed'>;
const live: Live[] = [
  'idle',
  'preparing',
  'waiting',
  'ready',
  'connecting',
  'connected',
  'reconnecting',
  'lost',
];

/**
 * What each event does in each live phase: a phase or an end, or `same` for "means nothing here".
 * Every cell is listed, so a change in any transition shows up.
 */
const table: Record<Live, Record<keyof typeof events, string>> = {
  idle: {
    prepare: 'preparing',
    'prepared host': 'same',
    'prepared guest': 'same',
    join: 'same',
    'offer-received': 'same',
    'peer-connected': 'same',
    hangup: 'ended:hangup',
    'remote-hangup': 'same',
    'peer-gone': 'same',
    interrupted: 'same',
    'give-up': 'same',
    retry: 'same',
    fail: 'failed',
  },
  preparing: {
    prepare: 'same',
    'prepared host': 'waiting',
    'prepared guest': 'ready',
    join: 'same',
    'offer-received': 'same',
    'peer-connected': 'same',
    hangup: 'ended:hangup',
    'remote-hangup': 'same',
    'peer-gone': 'same',
    interrupted: 'same',
    'give-up': 'same',
    retry: 'same',
    fail: 'failed',
  },
  waiting: {
    prepare: 'same',
    'prepared host': 'same',
    'prepared guest': 'same',
    join: 'same',
    'offer-received': 'connecting',
    'peer-connected': 'same',
    hangup: 'ended:hangup',
    'remote-hangup': 'same',
    'peer-gone': 'same',
    interrupted: 'same',
    'give-up': 'same',
    retry: 'same',
    fail: 'failed',
  },
  ready: {
    prepare: 'same',
    'prepared host': 'same',
    'prepared guest': 'same',
    join: 'connecting',
    'offer-received': 'same',
    'peer-connected': 'same',
    hangup: 'ended:hangup',
    'remote-hangup': 'same',
    'peer-gone': 'same',
    interrupted: 'same',
    'give-up': 'same',
    retry: 'same',
    fail: 'failed',
  },
  connecting: {
    prepare: 'same',
    'prepared host': 'same',
    'prepared guest': 'same',
    join: 'same',
    'offer-received': 'same',
    'peer-connected': 'connected',
    hangup: 'ended:hangup',
    'remote-hangup': 'ended:remote-hangup',
    'peer-gone': 'same',
    interrupted: 'same',
    'give-up': 'same',
    retry: 'same',
    fail: 'failed',
  },
  connected: {
    prepare: 'same',
    'prepared host': 'same',
    'prepared guest': 'same',
    join: 'same',
    'offer-received': 'same',
    'peer-connected': 'same',
    hangup: 'ended:hangup',
    'remote-hangup': 'ended:remote-hangup',
    'peer-gone': 'ended:peer-left',
    interrupted: 'reconnecting:5000',
    'give-up': 'same',
    retry: 'same',
    fail: 'failed',
  },
  reconnecting: {
    prepare: 'same',
    'prepared host': 'same',
    'prepared guest': 'same',
    join: 'same',
    'offer-received': 'same',
    'peer-connected': 'connected',
    hangup: 'ended:hangup',
    'remote-hangup': 'ended:remote-hangup',
    'peer-gone': 'ended:peer-left',
    interrupted: 'same',
    'give-up': 'lost',
    retry: 'same',
    fail: 'failed',
  },
  lost: {
    prepare: 'same',
    'prepared host': 'same',
    'prepared guest': 'same',
    join: 'same',
    'offer-received': 'same',
    'peer-connected': 'connected',
    hangup: 'ended:hangup',
    'remote-hangup': 'ended:remote-hangup',
    'peer-gone': 'ended:peer-left',
    interrupted: 'same',
    'give-up': 'same',
    retry: 'reconnecting:7000',
    fail: 'failed',
  },
};

function describeState(state: CallState): string {
  if (state.phase === 'ended') return `ended:${state.reason}`;
  if (state.phase === 'reconnecting') return `reconnecting:${state.since}`;
  return state.phase;
}

function stateIn(phase: Live): CallState {
  return phase === 'reconnecting' ? { phase, since: 1000 } : { phase };
}

describe('nextState', () => {
  it('starts idle', () => {
    expect(initialState).toEqual({ phase: 'idle' });
    expect(isFinal(initialState)).toBe(false);
  });

  for (const phase of live) {
    describe(`from ${phase}`, () => {
      for (const [name, event] of Object.entries(events)) {
        const expected = table[phase][name]!;
        it(`${name} → ${expected}`, () => {
          const state = stateIn(phase);
          const next = nextState(state, event);
          if (expected === 'same') {
            expect(next).toBe(state);
            return;
          }
          expect(next).not.toBe(state);
          expect(describeState(next)).toBe(expected);
          if (expected === 'failed') expect(next).toEqual({ phase: 'failed', error });
          expect(isFinal(next)).toBe(expected.startsWith('ended') || expected === 'failed');
        });
      }
    });
  }

  it('walks the host’s and the guest’s whole calls', () => {
    const run = (...steps: CallEvent[]) => steps.reduce(nextState, initialState);
    expect(
      run(events.prepare!, events['prepared host']!, events['offer-received']!, events['peer-connected']!),
    ).toEqual({ phase: 'connected' });
    expect(run(events.prepare!, events['prepared guest']!, events.join!, events['peer-connected']!)).toEqual({
      phase: 'connected',
    });
  });

  const finals: CallState[] = [
    { phase: 'ended', reason: 'hangup' },
    { phase: 'ended', reason: 'remote-hangup' },
    { phase: 'ended', reason: 'peer-left' },
    { phase: 'failed', error },
  ];
  for (const state of finals) {
    it(`${describeState(state)} is final and stays the same object for every event`, () => {
      expect(isFinal(state)).toBe(true);
      for (const event of Object.values(events)) expect(nextState(state, event)).toBe(state);
      expect(nextState(state, { type: 'fail', error: new CallError('room-empty') })).toBe(state);
    });
  }
});

describe('statusText', () => {
  it.each([
    [{ phase: 'idle' }, 'Ready to start a call'],
    [{ phase: 'preparing' }, 'Starting your camera…'],
    [{ phase: 'waiting' }, 'Waiting for someone to join'],
    [{ phase: 'ready' }, 'Ready to join'],
    [{ phase: 'connecting' }, 'Connecting…'],
    [{ phase: 'connected' }, 'Connected'],
    [{ phase: 'lost' }, 'Connection lost'],
    [{ phase: 'ended', reason: 'hangup' }, 'Call ended'],
    [{ phase: 'ended', reason: 'remote-hangup' }, 'Call ended — the other person hung up'],
    [{ phase: 'ended', reason: 'peer-left' }, 'Call ended — the other person left or lost their connection'],
  ] as const)('%o → %s', (state, text) => {
    expect(statusText(state)).toBe(text);
  });

  it('counts the seconds since the media path broke while reconnecting', () => {
    const state: CallState = { phase: 'reconnecting', since: 10_000 };
    expect(statusText(state, 10_000)).toBe('Reconnecting… (0 s)');
    expect(statusText(state, 10_999)).toBe('Reconnecting… (0 s)');
    expect(statusText(state, 22_400)).toBe('Reconnecting… (12 s)');
    expect(statusText(state, 9000)).toBe('Reconnecting… (0 s)');
  });

  it('shows a failure’s own message', () => {
    for (const kind of ['media-denied', 'room-empty', 'unauthorized'] as const) {
      const failure = new CallError(kind);
      expect(statusText({ phase: 'failed', error: failure })).toBe(en.errors[kind]);
    }
    expect(statusText({ phase: 'failed', error: new CallError('busy') })).not.toBe(
      statusText({ phase: 'failed', error: new CallError('room-empty') }),
    );
  });
});
