import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  callStatus as statusFacts,
  remoteLowered,
  remotePause,
  sendingAudioOnly,
  showsDecision,
  shownBars,
  type CallSnapshot,
} from '../../../src/call/call.js';
import { en } from '../../../src/ui/text/en.js';
import { statusText } from '../../../src/ui/text/status.js';
import { encodingFor, OPENING_MS, openingEncoding } from '../../../src/call/quality/actuation.js';
import { describeDecision } from '../../../src/call/quality/describe.js';
import { CallRig, type MediaCall } from './fakes.js';

let rig: CallRig;
beforeEach(() => (rig = new CallRig()));

/** The status line in English (src/ui/text/). */
const callStatus = (snapshot: CallSnapshot<unknown>) => statusText(en, statusFacts(snapshot));

const replaced = (calls: readonly MediaCall[]) =>
  calls.flatMap((c) => (c.op === 'replaceVideoTrack' ? [c.track] : []));

describe('Call: quality', () => {
  it('samples once connected, caps the sender at high and tells the other side', async () => {
    const { host, guest } = await rig.connectedPair();
    await rig.seconds(3);
    for (const s of [host, guest]) {
      const media = rig.peerOf(s).media;
      expect(media.statsCalls).toBe(3);
      // The first frames at 360p (from the peer's creation: the first decision asks for what is set
      // already, and the sender is not set again), then high (see below).
      const opening = openingEncoding(encodingFor('high'));
      expect(media.calls).toEqual([
        { op: 'setVideoEncoding', encoding: opening, preference: 'maintain-framerate' },
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

  it('sends the first frames at 360p from before the offer until OPENING_MS after connecting', async () => {
    const host = await rig.started('host');
    const guest = await rig.started('guest');
    // The guest's peer is made on its preview, before any offer: its first encoding is already the opening one.
    const media = rig.peerOf(guest).media;
    const opening = { op: 'setVideoEncoding', encoding: openingEncoding(encodingFor('high')) };
    expect(media.calls).toMatchObject([opening]);
    expect(opening.encoding).toMatchObject({ scaleResolutionDownBy: 2, maxBitrate: 2_500_000 });
    guest.call.join();
    for (let i = 0; i < 1500 && host.call.state.phase !== 'connected'; i++)
      await new Promise((resolve) => setTimeout(resolve, 2));
    expect(guest.call.state.phase).toBe('connected');
    // The host's answering peer started small as well; connecting (the first decision) keeps it small,
    // without setting the sender again to what it is.
    for (const s of [host, guest]) expect(rig.peerOf(s).media.calls).toMatchObject([opening]);
    await rig.timers.advanceSettling(OPENING_MS - 1);
    for (const s of [host, guest]) expect(rig.peerOf(s).media.calls).toHaveLength(1);
    await rig.timers.advanceSettling(1);
    for (const s of [host, guest])
      expect(rig.peerOf(s).media.calls.at(-1)).toEqual({
        op: 'setVideoEncoding',
        encoding: encodingFor('high'),
        preference: 'maintain-framerate',
      });
  });

  it('a shared tab keeps its resolution from the first frame', () => {
    const sharing = { sharing: true, sourceHeight: 1080 };
    expect(openingEncoding(encodingFor('high', sharing), sharing)).toEqual(encodingFor('high', sharing));
    // A level already at or under 360p is left as it is; a 1080p camera opens at 360p too.
    expect(openingEncoding(encodingFor('low'))).toEqual(encodingFor('low'));
    expect(
      openingEncoding(encodingFor('high', { sourceHeight: 1080 }), { sourceHeight: 1080 }),
    ).toMatchObject({
      scaleResolutionDownBy: 3,
    });
  });

  it('a guest whose upload drops to 100 kbps goes audio only within 10 s; the host hears of it', async () => {
    const { host, guest } = await rig.connectedPair();
    await rig.seconds(6);
    const media = rig.peerOf(guest).media;
    media.availableKbps = 100;
    let elapsed = 0;
    while (guest.call.snapshot.decision?.level !== 'audio-only' && elapsed < 10) {
      await rig.seconds(1);
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
    expect(rig.peerOf(host).media.calls.filter((c) => c.op === 'replaceVideoTrack')).toEqual([]);

    // "Try video anyway" brings the camera back at low quality; releasing hands control back.
    guest.call.tryVideo();
    await rig.seconds(1);
    expect(guest.call.snapshot.decision).toMatchObject({ mode: 'forced-video', level: 'low' });
    expect(replaced(media.calls)).toEqual([null, guest.stream.getVideoTracks()[0]]);
    expect(media.calls.at(-2)).toMatchObject({ op: 'setVideoEncoding', encoding: encodingFor('low') });
    expect(host.call.snapshot.remoteDecision).toMatchObject({ level: 'low', reason: 'user-video' });
    guest.call.releaseOverride();
    await rig.seconds(5);
    expect(guest.call.snapshot.decision?.level).toBe('audio-only');
    expect(replaced(media.calls)).toEqual([null, guest.stream.getVideoTracks()[0], null]);
  });

  it('a stall whose estimate collapses (a partition ICE has not seen yet) teaches the policy nothing', async () => {
    const { host, guest } = await rig.connectedPair();
    await rig.seconds(6);
    const media = rig.peerOf(guest).media;
    // Nothing arrives on either side, and the guest's bandwidth estimate collapses with the path.
    for (const s of [host, guest]) rig.peerOf(s).media.inboundFrozen = true;
    media.availableKbps = 100;
    await rig.timers.advanceSettling(1500);
    expect(callStatus(guest.call.snapshot)).toBe('Connection unstable…');
    // No bars over a frozen picture: the last reading was taken while media flowed.
    expect(guest.call.snapshot.quality?.bars).toBe(5);
    expect(shownBars(guest.call.snapshot)).toBe(0);
    const sampled = media.statsCalls;
    // Six seconds of it (ICE says "disconnected" about then): the monitor is not sampling meanwhile.
    await rig.timers.advanceSettling(6000);
    expect(guest.call.snapshot.decision?.level).toBe('high');
    expect(media.statsCalls).toBe(sampled);
    // The path is back: "Connected" at once, and the monitor judges it again after the stall's wake (5 s).
    for (const s of [host, guest]) rig.peerOf(s).media.inboundFrozen = false;
    media.availableKbps = 3000;
    await rig.timers.advanceSettling(500);
    expect(callStatus(guest.call.snapshot)).toBe('Connected');
    expect(shownBars(guest.call.snapshot)).toBe(5);
    await rig.timers.advanceSettling(4000);
    expect(media.statsCalls).toBe(sampled);
    await rig.timers.advanceSettling(3000);
    expect(media.statsCalls).toBeGreaterThan(sampled);
    expect(guest.call.snapshot.decision?.level).toBe('high');
    expect(replaced(media.calls)).toEqual([]);
  });

  it('when media flows again after a stall, each side sends a keyframe at once (its encoding off, then on)', async () => {
    const { host, guest } = await rig.connectedPair();
    await rig.seconds(6);
    const before = [host, guest].map((s) => rig.peerOf(s).media.calls.length);
    for (const s of [host, guest]) rig.peerOf(s).media.inboundFrozen = true;
    await rig.timers.advanceSettling(3000);
    // Nothing is touched while the path is down…
    [host, guest].forEach((s, i) => expect(rig.peerOf(s).media.calls).toHaveLength(before[i]!));
    for (const s of [host, guest]) rig.peerOf(s).media.inboundFrozen = false;
    await rig.timers.advanceSettling(500);
    // …and once media arrives again, the video encoding goes off and on: the encoder starts with a keyframe.
    const high = encodingFor('high');
    [host, guest].forEach((s, i) =>
      expect(rig.peerOf(s).media.calls.slice(before[i]!)).toEqual([
        { op: 'setVideoEncoding', encoding: { ...high, active: false }, preference: 'maintain-framerate' },
        { op: 'setVideoEncoding', encoding: high, preference: 'maintain-framerate' },
      ]),
    );
  });

  it('a stall that ends while audio only sends no keyframe (there is no video to refresh)', async () => {
    const { guest } = await rig.connectedPair();
    await rig.seconds(2);
    guest.call.forceAudioOnly();
    await rig.seconds(2);
    const media = rig.peerOf(guest).media;
    const before = media.calls.length;
    media.inboundFrozen = true;
    await rig.timers.advanceSettling(3000);
    media.inboundFrozen = false;
    await rig.timers.advanceSettling(500);
    expect(media.calls.slice(before)).toEqual([]);
  });

  it('a stall that ICE restores by itself (disconnected, then connected) is over at once, and sampling resumes', async () => {
    const { host, guest } = await rig.connectedPair();
    await rig.seconds(6);
    // What the UI shows is the snapshot taken at the last "change": it must not keep a stale "unstable".
    const shown = new Map([host, guest].map((s) => [s, callStatus(s.call.snapshot)]));
    for (const s of [host, guest]) s.call.on('change', () => shown.set(s, callStatus(s.call.snapshot)));
    for (const s of [host, guest]) rig.peerOf(s).media.inboundFrozen = true;
    await rig.timers.advanceSettling(1500);
    for (const s of [host, guest]) expect(shown.get(s)).toBe('Connection unstable…');
    const sampled = rig.peerOf(guest).media.statsCalls;
    // A blip ICE notices (under its 2 s grace), and media flows as it comes back.
    rig.network.setLink(false);
    await rig.timers.advanceSettling(1000);
    for (const s of [host, guest]) rig.peerOf(s).media.inboundFrozen = false;
    rig.network.setLink(true);
    await rig.timers.advanceSettling(500);
    for (const s of [host, guest]) {
      expect(s.call.state.phase).toBe('connected');
      expect(shown.get(s)).toBe('Connected');
    }
    await rig.timers.advanceSettling(6000);
    expect(rig.peerOf(guest).media.statsCalls).toBeGreaterThan(sampled);
  });

  it('forcing audio only holds on a good connection until released', async () => {
    const { host, guest } = await rig.connectedPair();
    await rig.seconds(2);
    guest.call.forceAudioOnly();
    await rig.seconds(30);
    expect(guest.call.snapshot.decision).toMatchObject({ level: 'audio-only', mode: 'forced-audio-only' });
    expect(host.call.snapshot.remoteDecision).toMatchObject({
      settledLevel: 'audio-only',
      reason: 'user-audio-only',
    });
    guest.call.releaseOverride();
    await rig.seconds(1);
    expect(guest.call.snapshot.decision?.level).not.toBe('audio-only');
    expect(replaced(rig.peerOf(guest).media.calls)).toEqual([null, guest.stream.getVideoTracks()[0]]);
  });

  it('with automatic fallback off, a poor upload lowers video but never stops it, and both sides are told', async () => {
    const { host, guest } = await rig.connectedPair({ guestAutoFallback: false });
    expect(guest.call.snapshot.autoFallback).toBe(false);
    await rig.seconds(6);
    rig.peerOf(guest).media.availableKbps = 100;
    await rig.seconds(20);
    expect(guest.call.snapshot.decision).toMatchObject({ level: 'low', autoFallback: false });
    expect(replaced(rig.peerOf(guest).media.calls)).toEqual([]);
    // Nobody is left guessing: the sender is told why its video is lowered, the receiver why it sees so
    // little of it.
    expect(showsDecision(guest.call.snapshot)).toBe(true);
    expect(en.decision(describeDecision(guest.call.snapshot.decision!))).toMatch(
      /^Video lowered to low quality — your connection is slow \(upload ~\d+ kbps\)\. /,
    );
    expect(remoteLowered(host.call.snapshot)).toBe(true);
    expect(remotePause(host.call.snapshot)).toBeUndefined();
    // Switching it on during the call lets the policy act on the next samples.
    guest.call.setAutoFallback(true);
    await rig.seconds(6);
    expect(guest.call.snapshot.decision?.level).toBe('audio-only');
  });

  it('hang-up stops sampling and leaves no timer behind', async () => {
    const { host, guest } = await rig.connectedPair();
    await rig.seconds(3);
    guest.call.hangUp();
    await vi.waitFor(() => expect(host.call.state.phase).toBe('ended'), { timeout: 3000, interval: 2 });
    // The guest's LEAVE is sealed (WebCrypto, on Node's thread pool: real time, not fake) before its socket
    // closes, and the socket's heartbeat goes with it: wait for both sockets (asserting at once failed ~1 in 7).
    await vi.waitFor(
      () => {
        for (const s of [host, guest]) {
          const socket = rig.server.sockets.findLast(
            (k) => new URL(k.url).searchParams.get('id') === s.call.peerId,
          );
          expect(socket?.readyState, `${s.call.role} socket closed`).toBeGreaterThan(1);
        }
      },
      { timeout: 3000, interval: 2 },
    );
    const calls = [rig.peerOf(host).media.statsCalls, rig.peerOf(guest).media.statsCalls];
    await rig.seconds(5);
    expect([rig.peerOf(host).media.statsCalls, rig.peerOf(guest).media.statsCalls]).toEqual(calls);
    expect(rig.timers.pending).toBe(0);
    // Intents after the end do nothing.
    guest.call.forceAudioOnly();
    expect(replaced(rig.peerOf(guest).media.calls)).toEqual([]);
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

describe('remotePause', () => {
  const remote = (settledLevel: 'audio-only' | 'low', reason: string) =>
    ({ remoteDecision: { settledLevel, reason } }) as unknown as CallSnapshot<unknown>;

  it('says why the other side sends no video, once it is settled', () => {
    expect(remotePause(remote('audio-only', 'bandwidth'))).toBe('poor-connection');
    expect(en.call.remotePaused['poor-connection']).toBe(
      "The other person's video is paused: poor connection",
    );
    expect(remotePause(remote('audio-only', 'user-audio-only'))).toBe('user');
    expect(en.call.remotePaused.user).toBe('The other person switched to audio only');
    expect(remotePause(remote('low', 'probe'))).toBeUndefined();
    expect(remotePause({} as CallSnapshot<unknown>)).toBeUndefined();
  });
});

describe('showsDecision and remoteLowered', () => {
  const own = (decision: object | undefined) => ({ decision }) as unknown as CallSnapshot<unknown>;
  const auto = { mode: 'auto', level: 'low', settledLevel: 'low', probing: false, autoFallback: false };

  it('shows our decision while audio only, and while the connection lowers video with fallback off', () => {
    expect(showsDecision(own(undefined))).toBe(false);
    expect(showsDecision(own({ ...auto, level: 'audio-only', settledLevel: 'audio-only' }))).toBe(true);
    expect(showsDecision(own({ ...auto, reason: 'bandwidth' }))).toBe(true);
    expect(showsDecision(own({ ...auto, level: 'medium', settledLevel: 'medium', reason: 'loss' }))).toBe(
      true,
    );
    expect(showsDecision(own({ ...auto, level: 'medium', reason: 'probe' }))).toBe(true);
    // With fallback on, lowering video is the policy's ordinary work on the way to audio only.
    expect(showsDecision(own({ ...auto, autoFallback: true, reason: 'bandwidth' }))).toBe(false);
    // Climbing back, at full quality, or at a level the user chose: nothing to explain.
    expect(
      showsDecision(own({ ...auto, level: 'medium', settledLevel: 'medium', reason: 'recovered' })),
    ).toBe(false);
    expect(showsDecision(own({ ...auto, level: 'high', settledLevel: 'high', reason: 'start' }))).toBe(false);
    expect(showsDecision(own({ ...auto, mode: 'forced-video', reason: 'user-video' }))).toBe(false);
  });

  it("tells the receiver when the other side's connection holds its video at low", () => {
    const remote = (settledLevel: string, reason: string) =>
      ({ remoteDecision: { settledLevel, reason } }) as unknown as CallSnapshot<unknown>;
    expect(remoteLowered(remote('low', 'bandwidth'))).toBe(true);
    expect(remoteLowered(remote('low', 'probe-failed'))).toBe(true);
    expect(remoteLowered(remote('low', 'user-video'))).toBe(false);
    expect(remoteLowered(remote('medium', 'bandwidth'))).toBe(false);
    expect(remoteLowered(remote('audio-only', 'bandwidth'))).toBe(false);
    expect(remoteLowered({} as CallSnapshot<unknown>)).toBe(false);
    expect(en.call.remoteLowered).toBe(
      "The other person's connection is poor: their video is at low quality",
    );
  });
});
