import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Role } from '../../../src/call/call-machine.js';
import {
  Call,
  callStatus,
  remotePausedText,
  sendingAudioOnly,
  type CallSnapshot,
} from '../../../src/call/call.js';
import { newId } from '../../../src/call/ids.js';
import type { Invite } from '../../../src/call/link.js';
import { encodingFor } from '../../../src/call/quality/actuation.js';
import {
  FakePeerNetwork,
  FakePeerServer,
  FakeStream,
  FakeTimers,
  nextTurn,
  type FakePeer,
  type MediaCall,
} from './fakes.js';

let timers: FakeTimers;
let server: FakePeerServer;
let network: FakePeerNetwork;
let invite: Invite;

beforeEach(() => {
  timers = new FakeTimers();
  server = new FakePeerServer();
  network = new FakePeerNetwork();
  invite = { serverUrl: 'https://diyalog.test/base', room: newId(), secret: newId() };
});

interface Side {
  readonly call: Call<FakeStream>;
  readonly stream: FakeStream;
}

async function started(role: Role, autoFallback?: boolean): Promise<Side> {
  const stream = new FakeStream(`${role}-camera-${newId()}`);
  const call = new Call<FakeStream>({
    role,
    invite,
    ports: {
      socketFactory: server.socketFactory,
      createPeer: network.createPeer,
      getUserMedia: () => Promise.resolve(stream),
      timers,
    },
    ...(autoFallback === undefined ? {} : { autoFallback }),
  });
  await call.start();
  return { call, stream };
}

async function connectedPair(options: { guestAutoFallback?: boolean } = {}) {
  const host = await started('host');
  const guest = await started('guest', options.guestAutoFallback);
  guest.call.join();
  await vi.waitFor(
    () => {
      expect(host.call.state.phase).toBe('connected');
      expect(guest.call.state.phase).toBe('connected');
    },
    { timeout: 3000, interval: 2 },
  );
  return { host, guest };
}

function peerOf(s: Side): FakePeer {
  const peer = network.peers.find((p) => p.stream === s.stream);
  if (!peer) throw new Error('this side has no peer');
  return peer;
}

/** Runs the clock a second at a time, letting each getStats answer and each data-channel message land. */
async function seconds(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    timers.advance(1000);
    for (let j = 0; j < 4; j++) await nextTurn();
  }
}

const replaced = (calls: readonly MediaCall[]) =>
  calls.flatMap((c) => (c.op === 'replaceVideoTrack' ? [c.track] : []));

describe('Call: quality', () => {
  it('samples once connected, caps the sender at high and tells the other side', async () => {
    const { host, guest } = await connectedPair();
    await seconds(3);
    for (const s of [host, guest]) {
      const media = peerOf(s).media;
      expect(media.statsCalls).toBe(3);
      expect(media.calls).toEqual([
        { op: 'setVideoEncoding', encoding: encodingFor('high'), preference: 'maintain-framerate' },
      ]);
      const { quality, decision } = s.call.snapshot;
      expect(quality).toMatchObject({ bars: 5, availableUpKbps: 3000, receivedFps: 30 });
      expect(quality?.upKbps).toBeGreaterThan(2000);
      expect(quality?.rttMs).toBeGreaterThan(0);
      expect(decision).toMatchObject({ level: 'high', reason: 'start', mode: 'auto' });
    }
    expect(host.call.snapshot.remoteDecision).toMatchObject({
      level: 'high',
      settledLevel: 'high',
      probing: false,
    });
  });

  it('a guest whose upload drops to 100 kbps goes audio only within 10 s; the host hears of it', async () => {
    const { host, guest } = await connectedPair();
    await seconds(6);
    const media = peerOf(guest).media;
    media.availableKbps = 100;
    let elapsed = 0;
    while (guest.call.snapshot.decision?.level !== 'audio-only' && elapsed < 10) {
      await seconds(1);
      elapsed += 1;
    }
    expect(elapsed).toBeLessThanOrEqual(5);
    expect(guest.call.snapshot.decision).toMatchObject({ level: 'audio-only', reason: 'bandwidth' });
    expect(replaced(media.calls)).toEqual([null]);
    // Audio is never touched, and the camera keeps running (video comes back from the same track).
    expect(guest.stream.getTracks().every((t) => t.enabled && !t.stopped)).toBe(true);
    expect(host.call.snapshot.remoteDecision).toMatchObject({
      level: 'audio-only',
      settledLevel: 'audio-only',
      probing: false,
      reason: 'bandwidth',
      figures: { availableKbps: 100 },
    });
    expect(peerOf(host).media.calls.filter((c) => c.op === 'replaceVideoTrack')).toEqual([]);

    // "Try video anyway" brings the camera back at low quality; releasing hands control back.
    guest.call.tryVideo();
    await seconds(1);
    expect(guest.call.snapshot.decision).toMatchObject({ mode: 'forced-video', level: 'low' });
    expect(replaced(media.calls)).toEqual([null, guest.stream.getVideoTracks()[0]]);
    expect(media.calls.at(-2)).toMatchObject({ op: 'setVideoEncoding', encoding: encodingFor('low') });
    expect(host.call.snapshot.remoteDecision).toMatchObject({ level: 'low', reason: 'user-video' });
    guest.call.releaseOverride();
    await seconds(5);
    expect(guest.call.snapshot.decision?.level).toBe('audio-only');
    expect(replaced(media.calls)).toEqual([null, guest.stream.getVideoTracks()[0], null]);
  });

  it('forcing audio only holds on a good connection until released', async () => {
    const { host, guest } = await connectedPair();
    await seconds(2);
    guest.call.forceAudioOnly();
    await seconds(30);
    expect(guest.call.snapshot.decision).toMatchObject({ level: 'audio-only', mode: 'forced-audio-only' });
    expect(host.call.snapshot.remoteDecision).toMatchObject({
      settledLevel: 'audio-only',
      reason: 'user-audio-only',
    });
    guest.call.releaseOverride();
    await seconds(1);
    expect(guest.call.snapshot.decision?.level).not.toBe('audio-only');
    expect(replaced(peerOf(guest).media.calls)).toEqual([null, guest.stream.getVideoTracks()[0]]);
  });

  it('with automatic fallback off, a poor upload lowers video but never stops it', async () => {
    const { guest } = await connectedPair({ guestAutoFallback: false });
    expect(guest.call.snapshot.autoFallback).toBe(false);
    await seconds(6);
    peerOf(guest).media.availableKbps = 100;
    await seconds(20);
    expect(guest.call.snapshot.decision).toMatchObject({ level: 'low', autoFallback: false });
    expect(replaced(peerOf(guest).media.calls)).toEqual([]);
    // Switching it on during the call lets the policy act on the next samples.
    guest.call.setAutoFallback(true);
    await seconds(6);
    expect(guest.call.snapshot.decision?.level).toBe('audio-only');
  });

  it('hang-up stops sampling and leaves no timer behind', async () => {
    const { host, guest } = await connectedPair();
    await seconds(3);
    guest.call.hangUp();
    await vi.waitFor(() => expect(host.call.state.phase).toBe('ended'), { timeout: 3000, interval: 2 });
    const calls = [peerOf(host).media.statsCalls, peerOf(guest).media.statsCalls];
    await seconds(5);
    expect([peerOf(host).media.statsCalls, peerOf(guest).media.statsCalls]).toEqual(calls);
    expect(timers.pending).toBe(0);
    // Intents after the end do nothing.
    guest.call.forceAudioOnly();
    expect(replaced(peerOf(guest).media.calls)).toEqual([]);
  });
});

describe('callStatus', () => {
  const snapshot = (
    phase: 'connected' | 'waiting',
    level?: 'audio-only' | 'low',
    settledLevel: 'audio-only' | 'low' | undefined = level,
  ) =>
    ({
      state: { phase },
      decision: level === undefined ? undefined : { level, settledLevel },
      signalingOpen: true,
      now: 0,
    }) as unknown as CallSnapshot<unknown>;

  it('adds "Audio only" while a connected call sends no video', () => {
    expect(callStatus(snapshot('connected', 'audio-only'))).toBe('Connected · Audio only');
  });
  it('keeps saying "Audio only" during a trial of video until it holds, as the banner does', () => {
    const trial = snapshot('connected', 'low', 'audio-only');
    expect(callStatus(trial)).toBe('Connected · Audio only');
    expect(sendingAudioOnly(trial)).toBe(true);
  });
  it('says the phase alone otherwise', () => {
    expect(callStatus(snapshot('connected', 'low'))).toBe('Connected');
    expect(callStatus(snapshot('connected'))).toBe('Connected');
    expect(callStatus(snapshot('waiting', 'audio-only'))).toBe('Waiting for someone to join');
  });
  it('says so while a call that needs the server has lost it, and not once connected', () => {
    const offline = (phase: 'connected' | 'waiting') => ({ ...snapshot(phase), signalingOpen: false });
    expect(callStatus(offline('waiting'))).toBe('Waiting for someone to join · reconnecting to the server…');
    expect(callStatus(offline('connected'))).toBe('Connected');
  });
  it('counts the seconds while reconnecting', () => {
    const reconnecting = {
      ...snapshot('connected'),
      state: { phase: 'reconnecting', since: 1000 },
      now: 13_500,
    } as unknown as CallSnapshot<unknown>;
    expect(callStatus(reconnecting)).toBe('Reconnecting… (12 s)');
  });
});

describe('remotePausedText', () => {
  const remote = (settledLevel: 'audio-only' | 'low', reason: string) =>
    ({ remoteDecision: { settledLevel, reason } }) as unknown as CallSnapshot<unknown>;

  it('says why the other side sends no video, once it is settled', () => {
    expect(remotePausedText(remote('audio-only', 'bandwidth'))).toBe(
      "The other person's video is paused: poor connection",
    );
    expect(remotePausedText(remote('audio-only', 'user-audio-only'))).toBe(
      'The other person switched to audio only',
    );
    expect(remotePausedText(remote('low', 'probe'))).toBeUndefined();
    expect(remotePausedText({} as CallSnapshot<unknown>)).toBeUndefined();
  });
});
