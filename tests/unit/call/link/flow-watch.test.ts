import { describe, expect, it } from 'vitest';
import { FlowWatch, FLOW_POLL_MS, STALL_NOTICE_MS } from '../../../../src/call/link/flow-watch.js';
import { FakeTimers, settle } from '../fakes.js';

/** A watch over a byte counter the test moves, on the fake clock. */
function rig() {
  const timers = new FakeTimers();
  const events: string[] = [];
  const media = { bytes: 0, flowing: true, reads: 0 };
  const watch = new FlowWatch({
    receivedBytes: () => {
      media.reads += 1;
      if (media.flowing) media.bytes += 1000;
      return Promise.resolve(media.bytes);
    },
    timers,
    stalled: (since) => events.push(`stalled since ${since}`),
    flowing: () => events.push(`flowing at ${timers.now()}`),
  });
  /** Runs the clock in poll steps, letting each read answer. */
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += FLOW_POLL_MS) {
      timers.advance(FLOW_POLL_MS);
      await settle();
    }
  };
  return { timers, events, media, watch, run };
}

describe('FlowWatch', () => {
  it('says "stalled" a second after the last read that saw bytes (1.25 s at most after they stopped), and "flowing" at the next byte', async () => {
    const { events, media, watch, run } = rig();
    watch.start();
    await run(3000);
    expect(events).toEqual([]);
    // The path breaks just after the read at 3000 ms (the worst case: just before it, up to 499 ms earlier).
    media.flowing = false;
    await run(500);
    expect(events).toEqual([]);
    await run(500);
    expect(events).toEqual(['stalled since 3000']);
    expect(watch.stalled).toBe(true);
    await run(5000);
    expect(events).toEqual(['stalled since 3000']); // said once
    media.flowing = true;
    await run(500);
    expect(events).toEqual(['stalled since 3000', 'flowing at 9250']);
    expect(watch.stalled).toBe(false);
    expect(STALL_NOTICE_MS).toBeLessThanOrEqual(1000);
  });

  it('says media is "delivering" only while watched, once bytes arrived, and until a stall (the gone-check reads it)', async () => {
    const { media, watch, run } = rig();
    media.flowing = false;
    watch.start();
    await run(1000);
    expect(watch.delivering).toBe(false); // nothing arrived yet: no proof the other side is there
    media.flowing = true;
    await run(500);
    expect(watch.delivering).toBe(true);
    media.flowing = false;
    await run(1500);
    expect(watch.delivering).toBe(false);
    media.flowing = true;
    await run(250);
    expect(watch.delivering).toBe(true);
    watch.stop();
    expect(watch.delivering).toBe(false);
  });

  it('is not stalled before the first byte arrives (a connection still starting its media)', async () => {
    const { events, media, watch, run } = rig();
    media.flowing = false;
    watch.start();
    await run(10_000);
    expect(events).toEqual([]);
    media.flowing = true;
    await run(500);
    media.flowing = false;
    await run(1000);
    expect(events).toEqual(['stalled since 10500']);
  });

  it('rearm gives a restored path a second of its own before it counts as stalled again', async () => {
    const { events, media, watch, run, timers } = rig();
    watch.start();
    await run(1000);
    media.flowing = false;
    await run(1000);
    expect(events).toEqual(['stalled since 1000']);
    // The stall it ends is said to be over at once (the next bytes would not say it: nothing is stalled).
    watch.rearm();
    const rearmedAt = timers.now();
    expect(events).toEqual(['stalled since 1000', `flowing at ${rearmedAt}`]);
    await run(1000);
    expect(events).toEqual(['stalled since 1000', `flowing at ${rearmedAt}`, `stalled since ${rearmedAt}`]);
  });

  it('rearm while media flows says nothing', async () => {
    const { events, watch, run } = rig();
    watch.start();
    await run(1000);
    watch.rearm();
    await run(2000);
    expect(events).toEqual([]);
  });

  it('stop ends the reads; a read that fails is skipped', async () => {
    const timers = new FakeTimers();
    let reads = 0;
    const watch = new FlowWatch({
      receivedBytes: () => {
        reads += 1;
        return Promise.reject(new Error('closed'));
      },
      timers,
      stalled: () => {
        throw new Error('not stalled: nothing was ever read');
      },
      flowing: () => {},
    });
    watch.start();
    for (let i = 0; i < 4; i++) {
      timers.advance(FLOW_POLL_MS);
      await settle();
    }
    expect(reads).toBe(4);
    watch.stop();
    timers.advance(5000);
    await settle();
    expect(reads).toBe(4);
  });
});
