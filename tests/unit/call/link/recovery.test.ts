import { describe, expect, it } from 'vitest';
import type { LinkEvent, LinkState } from '../../../../src/call/link/link-machine.js';
import { NamedTimers } from '../../../../src/call/link/named-timers.js';
import { Recovery } from '../../../../src/call/link/recovery.js';
import { FakeTimers } from '../fakes.js';

/** A link that only records its restarts; recovery drives it as it would a PeerLink. */
function rig() {
  const timers = new FakeTimers();
  const restarts: number[] = [];
  let state: LinkState = { phase: 'connected' } as LinkState;
  const recovery: Recovery = new Recovery(
    {
      get state() {
        return state;
      },
      dispatch(event: LinkEvent) {
        if (event.type === 'interrupted') state = { phase: 'reconnecting', since: event.at } as LinkState;
        else if (event.type === 'connected') state = { phase: 'connected' } as LinkState;
      },
      restartIce: async () => {
        restarts.push(timers.now());
        recovery.restarted();
      },
      signalingOpen: () => true,
      setUrgent: () => {},
      signalsPending: () => false,
      probeSignaling: () => {},
      ping: () => {},
      stopMonitor: () => {},
      startMonitor: () => {},
      resay: () => {},
      changed: () => {},
      reconnectLimitMs: () => 60_000,
      watchFlowAgain: () => {},
    },
    new NamedTimers(timers),
    timers,
  );
  return { timers, restarts, recovery };
}

describe('Recovery: restart requests from the other side', () => {
  it('while reconnecting, a request takes the place of our next restart instead of adding one', () => {
    const { timers, restarts, recovery } = rig();
    recovery.connectionState('failed');
    expect(restarts).toEqual([0]);
    // A request within a second of our own restart is left to finish.
    timers.advance(400);
    recovery.requested();
    expect(restarts).toEqual([0]);
    // Our second restart comes 0.5–1 s after the first.
    while (restarts.length < 2) timers.advance(10);
    const second = restarts[1]!;
    expect(second).toBeGreaterThanOrEqual(500);
    expect(second).toBeLessThanOrEqual(1000);
    // Our third is due 1–2 s after the second; a request 1 s after the second restarts now instead…
    timers.advance(second + 1000 - timers.now());
    recovery.requested();
    expect(restarts).toEqual([0, second, second + 1000]);
    // …and the schedule goes on from it (the next delay, 2–4 s), not from the second restart.
    timers.advance(1999);
    expect(restarts).toEqual([0, second, second + 1000]);
    timers.advance(2001);
    expect(restarts).toHaveLength(4);
  });

  it('restarts at once on a request while connected (only the other side saw the failure)', () => {
    const { restarts, recovery } = rig();
    recovery.requested();
    expect(restarts).toEqual([0]);
  });

  it('a burst of requests while connected (queued on the other side through an outage) restarts once', () => {
    const { timers, restarts, recovery } = rig();
    timers.advance(5000);
    for (let i = 0; i < 9; i++) recovery.requested();
    expect(restarts).toEqual([5000]);
    // A request once that restart is a second old is a new one.
    timers.advance(999);
    recovery.requested();
    expect(restarts).toEqual([5000]);
    timers.advance(1);
    recovery.requested();
    expect(restarts).toEqual([5000, 6000]);
  });
});
