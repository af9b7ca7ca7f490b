import { describe, expect, it } from 'vitest';
import { MemorySignalBus } from '../../../peer-server/src/cluster/memory-signal-bus.js';
import { RemoteRelay } from '../../../peer-server/src/cluster/remote-relay.js';
import type { BusMessage } from '../../../peer-server/src/cluster/signal-bus.js';

function rig(limits = { perDestination: 64, totalBytes: 1 << 20, expireMs: 5000 }) {
  const bus = new MemorySignalBus();
  const received: string[] = [];
  const batches: number[] = [];
  bus.onMessage((dst, message: BusMessage) => {
    if (message.kind !== 'frames') return;
    batches.push(message.frames.length);
    for (const frame of message.frames) received.push(`${dst}<-${frame.src}:${frame.data}`);
  });
  const expired: string[] = [];
  let now = 0;
  const relay = new RemoteRelay(
    bus,
    (src, dst) => expired.push(`${src}->${dst}`),
    limits,
    () => now,
  );
  return {
    bus,
    relay,
    received,
    batches,
    expired,
    advance: (ms: number) => (now += ms),
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('RemoteRelay', () => {
  it('delivers in order; frames relayed while a publish is in flight go together in the next one', async () => {
    const { bus, relay, received, batches } = rig();
    await bus.subscribe('b');
    for (let i = 0; i < 5; i++) relay.send('b', { src: 'a', data: String(i) }, true);
    await settle();
    expect(received).toEqual(['b<-a:0', 'b<-a:1', 'b<-a:2', 'b<-a:3', 'b<-a:4']);
    expect(batches).toEqual([1, 4]);
  });

  it('holds frames for an id nobody holds, in order with later ones, until it comes online', async () => {
    const { bus, relay, received, expired } = rig();
    relay.send('b', { src: 'a', data: 'offer' }, true);
    relay.send('b', { src: 'a', data: 'leave' }, false); // not held, like a LEAVE for nobody
    await settle();
    relay.send('b', { src: 'a', data: 'candidate' }, true);
    await settle();
    expect(received).toEqual([]);
    await bus.subscribe('b');
    relay.send('b', { src: 'a', data: 'late' }, true); // b is there, but earlier frames wait: so does this one
    await settle();
    expect(received).toEqual([]);
    relay.online('b');
    await settle();
    expect(received).toEqual(['b<-a:offer', 'b<-a:candidate', 'b<-a:late']);
    expect(expired).toEqual([]);
  });

  it('tries again on its sweep, in case an announcement crossed a publish', async () => {
    const { bus, relay, received, advance } = rig();
    relay.send('b', { src: 'a', data: '1' }, true);
    await settle();
    await bus.subscribe('b');
    advance(1000);
    relay.sweep();
    await settle();
    expect(received).toEqual(['b<-a:1']);
  });

  it('after 5 s tells each sender once that its frames expired', async () => {
    const { relay, received, expired, advance } = rig();
    relay.send('b', { src: 'a', data: '1' }, true);
    relay.send('b', { src: 'a', data: '2' }, true);
    relay.send('b', { src: 'c', data: '3' }, true);
    await settle();
    advance(4000);
    relay.sweep();
    await settle();
    expect(expired).toEqual([]);
    advance(1000);
    relay.sweep();
    await settle();
    expect(expired).toEqual(['a->b', 'c->b']);
    expect(received).toEqual([]);
    expect(relay.heldBytes).toBe(0);
  });

  it('holds at most perDestination frames; the sender of one more is told at once', async () => {
    const { relay, expired } = rig({ perDestination: 2, totalBytes: 1 << 20, expireMs: 5000 });
    for (let i = 0; i < 3; i++) relay.send('b', { src: 'a', data: String(i) }, true);
    await settle();
    expect(expired).toEqual(['a->b']);
    relay.send('b', { src: 'a', data: 'x' }, true);
    expect(expired).toEqual(['a->b', 'a->b']);
  });
});
