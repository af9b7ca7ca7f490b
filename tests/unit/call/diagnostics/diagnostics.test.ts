import { describe, expect, it } from 'vitest';
import type { CallState } from '../../../../src/call/call-machine.js';
import { describeEnvironment } from '../../../../src/call/diagnostics/environment.js';
import { buildDiagnostics, parseDiagnostics, REDACTED } from '../../../../src/call/diagnostics/file.js';
import { readIce } from '../../../../src/call/diagnostics/ice.js';
import { MAX_FILE_BYTES, MAX_STATS_POINTS } from '../../../../src/call/diagnostics/limits.js';
import { CallRecorder, cut, type RecordableCall } from '../../../../src/call/diagnostics/recorder.js';
import { Emitter } from '../../../../src/call/emitter.js';
import { CallError } from '../../../../src/call/errors.js';
import { newId } from '../../../../src/call/ids.js';
import { signalingUrl } from '../../../../src/call/link.js';
import type { QualityDecision } from '../../../../src/call/quality/policy.js';
import type { QualitySummary } from '../../../../src/call/quality/summary.js';
import { FakeTimers, settle } from '../fakes.js';

const UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.7368.1 Safari/537.36';
const FINGERPRINT =
  'sha-256 4F:A2:19:0C:7B:E1:53:9D:22:8A:61:C4:0E:F7:B3:95:1D:6A:E8:42:07:CB:5F:90:3E:A1:68:D4:2B:7C:E0:19';
const SDP = `v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\na=ice-ufrag:Xq3v\r\na=ice-pwd:Zk8mQf7yR2pL0sT9wB4nH6cJ\r\na=fingerprint:${FINGERPRINT}\r\nc=IN IP4 192.168.1.23\r\n`;

/** A call seen through the recorder's port: state and readings set by the test. */
class ScriptedCall extends Emitter<{ change: [] }> implements RecordableCall {
  readonly role = 'guest' as const;
  state: CallState = { phase: 'idle' };
  quality: QualitySummary | undefined;
  decision: QualityDecision | undefined;
  signalingOpen = false;
  stats: unknown[] | undefined;
  get snapshot() {
    return {
      state: this.state,
      quality: this.quality,
      decision: this.decision,
      signalingOpen: this.signalingOpen,
    };
  }
  connectionStats() {
    return this.stats && Promise.resolve(this.stats);
  }
  set(patch: Partial<Pick<ScriptedCall, 'state' | 'quality' | 'decision' | 'signalingOpen'>>) {
    Object.assign(this, patch);
    this.emit('change');
  }
}

const reading = (at: number, mos: number, upKbps: number): QualitySummary => ({
  at,
  bars: 4,
  mos,
  upKbps,
  downKbps: upKbps - 10,
  availableUpKbps: 2500,
  upLossPercent: 0.4,
  downLossPercent: 1.2,
  rttMs: 23,
  jitterMs: 4,
  sentFps: 30,
  receivedFps: 29,
  sentResolution: { width: 640, height: 480 },
  receivedResolution: { width: 640, height: 480 },
});

const decision = (at: number, level: QualityDecision['level'], reason: QualityDecision['reason']) =>
  ({
    level,
    settledLevel: level,
    probing: false,
    mode: 'auto',
    reason,
    autoFallback: true,
    at,
    figures: { availableKbps: 90.4, lossPercent: 12.25, sendKbps: 80 },
    overrideUntil: undefined,
    nextStepUpAt: undefined,
  }) as unknown as QualityDecision;

/** getStats as Chromium reports it: gathered candidates, the remote's, and the nominated pair. */
const ICE_STATS = [
  {
    id: 'CPa',
    type: 'candidate-pair',
    nominated: true,
    state: 'succeeded',
    bytesSent: 5e6,
    localCandidateId: 'L1',
    remoteCandidateId: 'R1',
    currentRoundTripTime: 0.023,
  },
  {
    id: 'L1',
    type: 'local-candidate',
    candidateType: 'host',
    protocol: 'udp',
    address: '192.168.1.23',
    port: 54321,
    networkType: 'wifi',
  },
  {
    id: 'L2',
    type: 'local-candidate',
    candidateType: 'srflx',
    protocol: 'udp',
    address: '203.0.113.7',
    port: 61000,
  },
  {
    id: 'L3',
    type: 'local-candidate',
    candidateType: 'host',
    protocol: 'udp',
    address: '2001:db8:85a3::8a2e:370:7334',
    port: 54322,
  },
  {
    id: 'R1',
    type: 'remote-candidate',
    candidateType: 'host',
    protocol: 'udp',
    address: '0f3c7a52-9b1e-4d2a-8c6f-1e2d3c4b5a69.local',
    port: 50000,
  },
];

async function recordTroubledCall(secrets: { room: string; secret: string; token: string; peer: string }) {
  const timers = new FakeTimers();
  const call = new ScriptedCall();
  const recorder = new CallRecorder(call, timers, () => Date.UTC(2026, 11, 6, 3, 0, 0));
  call.set({ state: { phase: 'preparing' } });
  call.set({ signalingOpen: true, state: { phase: 'ready' } });
  timers.advance(500);
  call.set({ state: { phase: 'connecting' } });
  call.stats = ICE_STATS;
  timers.advance(300);
  call.set({ state: { phase: 'connected' }, decision: decision(800, 'high', 'start') });
  for (let i = 1; i <= 5; i++) {
    timers.advance(1000);
    call.set({ quality: reading(800 + i * 1000, 4.2 - i * 0.3, 1500 - i * 200) });
  }
  call.set({ decision: decision(5900, 'audio-only', 'loss') });
  timers.advance(1000);
  call.set({ state: { phase: 'reconnecting', since: timers.now() }, signalingOpen: false });
  timers.advance(2500);
  call.set({ state: { phase: 'connected' }, signalingOpen: true });
  await settle();
  // A failure whose message carries what must never leave: the signaling URL with its token, an SDP.
  const url = signalingUrl('http://192.168.1.5:9000', {
    id: secrets.peer,
    token: secrets.token,
    room: secrets.room,
  });
  call.set({
    state: {
      phase: 'failed',
      error: new CallError('server-error', `socket ${url} #s=${secrets.secret} answered with ${SDP}`),
    },
  });
  return recorder;
}

describe('CallRecorder', () => {
  it('keeps the phase timeline, one point per second, decisions with reasons, reconnects, errors and ICE', async () => {
    const recorder = await recordTroubledCall({
      room: newId(),
      secret: newId(),
      token: newId(),
      peer: newId(),
    });
    const rec = recorder.recording;
    expect(rec.timeline.map((e) => e.event)).toEqual([
      'phase:idle',
      'phase:preparing',
      'phase:ready',
      'signaling:open',
      'phase:connecting',
      'phase:connected',
      'phase:reconnecting',
      'signaling:closed',
      'phase:connected',
      'signaling:open',
      'phase:failed',
    ]);
    expect(rec.timeline.at(-1)).toMatchObject({ detail: 'server-error' });
    expect(rec.connectedAfter).toBe(0.8);
    expect(rec.endedAfter).toBe(9.3);
    expect(rec.stats).toHaveLength(5);
    expect(rec.stats[0]).toMatchObject({ t: 1.8, mos: 3.9, upKbps: 1300, rttMs: 23, level: 'high' });
    expect(rec.decisions.map((d) => [d.level, d.reason])).toEqual([
      ['high', 'start'],
      ['audio-only', 'loss'],
    ]);
    expect(rec.decisions[1]).toMatchObject({ availableKbps: 90, lossPercent: 12.3 });
    expect(rec.reconnects).toEqual([{ t: 6.8, seconds: 2.5 }]);
    expect(rec.errors).toHaveLength(1);
    expect(rec.ice?.candidates).toHaveLength(4);
    expect(rec.ice?.selectedPair).toMatchObject({
      local: { type: 'host', address: '192.168.1.23', port: 54321 },
      remote: { type: 'host' },
      currentRoundTripTimeMs: 23,
    });
  });

  it("reads the transport's selected pair, which the side that does not nominate uses before nomination", () => {
    // As the call connects, the answering side's pairs are not nominated yet; the transport has selected one.
    const early = ICE_STATS.map((s) => (s.type === 'candidate-pair' ? { ...s, nominated: false } : s));
    const report = readIce([...early, { id: 'T1', type: 'transport', selectedCandidatePairId: 'CPa' }]);
    expect(report.selectedPair).toMatchObject({ local: { address: '192.168.1.23' }, state: 'succeeded' });
    // Without a transport's word, the nominated pair that carried the most, as before.
    expect(readIce(ICE_STATS).selectedPair).toMatchObject({ local: { address: '192.168.1.23' } });
    expect(readIce(early).selectedPair).toBeUndefined();
  });

  it('keeps at most an hour of per-second stats', () => {
    const timers = new FakeTimers();
    const call = new ScriptedCall();
    const recorder = new CallRecorder(call, timers);
    call.set({ state: { phase: 'connected' } });
    for (let i = 1; i <= MAX_STATS_POINTS + 250; i++) {
      timers.advance(1000);
      call.set({ quality: reading(i * 1000, 4, 1000) });
    }
    expect(recorder.recording.stats).toHaveLength(MAX_STATS_POINTS);
    expect(recorder.recording.statsDropped).toBe(250);
    recorder.stop();
  });
});

describe('buildDiagnostics', () => {
  const environment = describeEnvironment(UA, '0.1.0');

  it('never holds the link secret, tokens, ids or SDP fingerprints, and hides addresses by default', async () => {
    const secrets = { room: newId(), secret: newId(), token: newId(), peer: newId() };
    const recorder = await recordTroubledCall(secrets);
    const text = buildDiagnostics(recorder.recording, environment, {
      redactAddresses: true,
      secrets: Object.values(secrets),
    });
    for (const value of Object.values(secrets)) expect(text).not.toContain(value);
    expect(text).not.toMatch(/fingerprint|4F:A2:19|ice-pwd|Zk8mQf7yR2pL0sT9wB4nH6cJ|token=(?!\[removed\])/);
    for (const address of [
      '192.168.1.23',
      '192.168.1.5',
      '203.0.113.7',
      '2001:db8:85a3::8a2e:370:7334',
      '.local',
      '127.0.0.1',
    ])
      expect(text).not.toContain(address);
    const file = parseDiagnostics(text);
    expect(file).toMatchObject({ format: 'diyalog-diagnostics', version: 1, addressesRedacted: true });
    expect(file.environment).toEqual({
      extensionVersion: '0.1.0',
      browser: 'chrome',
      browserVersion: 156,
      os: 'linux',
    });
    expect(file.ice?.candidates.every((c) => c.address === REDACTED)).toBe(true);
    expect(file.ice?.candidates.map((c) => c.type)).toEqual(['host', 'srflx', 'host', 'host']);
    expect(file.call.startedAt).toBe('2026-12-06T03:00:00.000Z');
    expect(file.call.errors[0]!.detail).toMatch(
      /^socket ws:\/\/redacted:9000\/signal\/peerjs\?key=\[removed\]/,
    );
  });

  it('keeps candidate addresses when asked, and still removes secrets and fingerprints', async () => {
    const secrets = { room: newId(), secret: newId(), token: newId(), peer: newId() };
    const recorder = await recordTroubledCall(secrets);
    // Even with no list of secrets to look for, the patterns catch them.
    const text = buildDiagnostics(recorder.recording, environment, { redactAddresses: false, secrets: [] });
    for (const value of Object.values(secrets)) expect(text).not.toContain(value);
    expect(text).not.toMatch(/fingerprint|4F:A2:19|ice-pwd/);
    const file = parseDiagnostics(text);
    expect(file.addressesRedacted).toBe(false);
    expect(file.ice?.selectedPair?.local?.address).toBe('192.168.1.23');
    expect(file.ice?.candidates.map((c) => c.address)).toContain('2001:db8:85a3::8a2e:370:7334');
  });

  it('stays within 1 MiB, dropping the oldest seconds first', () => {
    const point = {
      t: 1,
      mos: 4.41,
      upKbps: 1500,
      downKbps: 1490,
      availableUpKbps: 2500,
      upLossPercent: 0.4,
      downLossPercent: 1.2,
      rttMs: 23,
      jitterMs: 4,
      sentFps: 30,
      receivedFps: 29,
      level: 'high' as const,
    };
    const full = buildDiagnostics(
      {
        startedAt: 0,
        role: 'host',
        connectedAfter: 1,
        endedAfter: 3601,
        participants: 2,
        timeline: [],
        stats: Array.from({ length: MAX_STATS_POINTS }, (_, t) => ({ ...point, t })),
        statsDropped: 0,
        decisions: [],
        reconnects: [],
        errors: [],
        ice: undefined,
      },
      environment,
      { redactAddresses: true, secrets: [] },
    );
    const fullBytes = Buffer.byteLength(full);
    expect(fullBytes).toBeLessThan(MAX_FILE_BYTES);
    // A recording far past the limits (as a future version might hold) is cut to fit.
    const huge = buildDiagnostics(
      {
        ...parseDiagnostics(full).call,
        startedAt: 0,
        stats: Array.from({ length: 4 * MAX_STATS_POINTS }, (_, t) => ({ ...point, t })),
        ice: undefined,
      },
      environment,
      { redactAddresses: true, secrets: [] },
    );
    expect(Buffer.byteLength(huge)).toBeLessThanOrEqual(MAX_FILE_BYTES);
    const cut = parseDiagnostics(huge).call;
    expect(cut.statsDropped).toBe(4 * MAX_STATS_POINTS - cut.stats.length);
    expect(cut.stats.at(-1)!.t).toBe(4 * MAX_STATS_POINTS - 1);
  });

  it('refuses files it cannot read, saying why', () => {
    expect(() => parseDiagnostics('{"format":"other"}')).toThrow(/not a Diyalog diagnostics file/);
    expect(() => parseDiagnostics('{"format":"diyalog-diagnostics","version":9}')).toThrow(/version 9/);
  });
});

describe('cut', () => {
  it('never leaves part of a token or fingerprint at the end', () => {
    const token = newId();
    expect(cut(`token=${token} and more`, 15)).toBe('…');
    expect(cut(`a b ${FINGERPRINT}`, 30)).toBe('a b sha-256 …');
    expect(cut('short', 10)).toBe('short');
  });
});
