import { describe, expect, it } from 'vitest';
import {
  encodeClientMessage,
  leavePayload,
  leaveReasonOf,
  MAX_SHARE_TITLE,
  parsePeerMessage,
  parseServerMessage,
  relayTypeFor,
  type SignalData,
} from '../../../src/call/protocol.js';

const frame = (value: unknown) => JSON.stringify(value);

const offer: SignalData = { type: 'offer', sdp: 'v=0' };
const answer: SignalData = { type: 'answer', sdp: 'v=0' };
const candidate: SignalData = {
  type: 'candidate',
  candidate: { candidate: 'candidate:1 1 udp 1 10.0.0.1 5000 typ host' },
};
const renegotiate: SignalData = { type: 'renegotiate', renegotiate: true };
const transceiverRequest: SignalData = { type: 'transceiverRequest', transceiverRequest: { kind: 'video' } };

describe('parseServerMessage', () => {
  it('reads OPEN and HEARTBEAT', () => {
    expect(parseServerMessage(frame({ type: 'OPEN' }))).toEqual({ type: 'OPEN' });
    expect(parseServerMessage(frame({ type: 'HEARTBEAT', extra: 1 }))).toEqual({ type: 'HEARTBEAT' });
  });

  it.each(['ERROR', 'ID-TAKEN', 'INVALID-KEY'] as const)(
    'reads %s with its message, or its type as message',
    (type) => {
      expect(parseServerMessage(frame({ type, payload: { msg: 'why' } }))).toEqual({ type, message: 'why' });
      expect(parseServerMessage(frame({ type }))).toEqual({ type, message: type });
      expect(parseServerMessage(frame({ type, payload: { msg: 42 } }))).toEqual({ type, message: type });
      expect(parseServerMessage(frame({ type, payload: null }))).toEqual({ type, message: type });
    },
  );

  it('reads EXPIRE with its src', () => {
    expect(parseServerMessage(frame({ type: 'EXPIRE', src: 'room', dst: 'me' }))).toEqual({
      type: 'EXPIRE',
      src: 'room',
    });
  });

  it.each(['OFFER', 'ANSWER', 'CANDIDATE', 'LEAVE'] as const)(
    'reads relayed %s with src and payload',
    (type) => {
      const payload = { v: 1, iv: 'a', ct: 'b' };
      expect(parseServerMessage(frame({ type, src: 'them', dst: 'me', payload }))).toEqual({
        type,
        src: 'them',
        payload,
      });
      expect(parseServerMessage(frame({ type, src: 'them' }))).toEqual({
        type,
        src: 'them',
        payload: undefined,
      });
    },
  );

  it.each([
    ['a number', 42],
    ['undefined', undefined],
    ['an object rather than a string', { type: 'OPEN' }],
    ['bytes', new TextEncoder().encode(frame({ type: 'OPEN' }))],
    ['bad JSON', '{"type":'],
    ['an empty string', ''],
    ['JSON null', 'null'],
    ['a JSON string', '"OPEN"'],
    ['a JSON number', '1'],
    ['a JSON array', frame([{ type: 'OPEN' }])],
    ['an empty JSON array', '[]'],
    ['an unknown type', frame({ type: 'HELLO', src: 'x' })],
    ['a lower-case type', frame({ type: 'open' })],
    ['no type', frame({ src: 'x' })],
    ['EXPIRE without src', frame({ type: 'EXPIRE' })],
    ['OFFER without src', frame({ type: 'OFFER', payload: {} })],
    ['LEAVE with a non-string src', frame({ type: 'LEAVE', src: 7 })],
    ['CANDIDATE with a null src', frame({ type: 'CANDIDATE', src: null, payload: {} })],
  ])('ignores %s', (_, input) => {
    expect(parseServerMessage(input)).toBeUndefined();
  });
});

describe('relayTypeFor', () => {
  it.each([
    ['an offer', [offer], 'OFFER'],
    ['an offer with candidates', [candidate, offer, candidate], 'OFFER'],
    ['an answer', [answer], 'ANSWER'],
    ['an answer with candidates', [answer, candidate], 'ANSWER'],
    ['candidates', [candidate, candidate], 'CANDIDATE'],
    ['renegotiate', [renegotiate], 'CANDIDATE'],
    ['transceiverRequest', [transceiverRequest], 'CANDIDATE'],
    ['pranswer', [{ type: 'pranswer', sdp: '' }], 'CANDIDATE'],
    ['nothing', [], 'CANDIDATE'],
  ] as const)('sends %s as %s', (_, signals, type) => {
    expect(relayTypeFor(signals)).toBe(type);
  });
});

describe('encodeClientMessage', () => {
  it('sends HEARTBEAT as its type alone', () => {
    expect(JSON.parse(encodeClientMessage('HEARTBEAT', 'ignored', { x: 1 }))).toEqual({ type: 'HEARTBEAT' });
  });

  it('sends a relayed message with dst and payload', () => {
    expect(JSON.parse(encodeClientMessage('OFFER', 'room', { v: 1 }))).toEqual({
      type: 'OFFER',
      dst: 'room',
      payload: { v: 1 },
    });
  });
});

describe('leave reasons', () => {
  it.each(['hangup', 'unauthorized', 'busy'] as const)('round-trips %s', (reason) => {
    expect(leaveReasonOf(leavePayload(reason))).toBe(reason);
    expect(leaveReasonOf(JSON.parse(JSON.stringify(leavePayload(reason))))).toBe(reason);
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'busy'],
    ['no reason', {}],
    ['an unknown reason', { reason: 'bored' }],
    ['a non-string reason', { reason: 1 }],
    ['a sealed box', { v: 1, iv: 'x', ct: 'y' }],
  ])('reads %s as hangup', (_, payload) => {
    expect(leaveReasonOf(payload)).toBe('hangup');
  });
});

describe('parsePeerMessage', () => {
  const bytes = (text: string) => new TextEncoder().encode(text);

  it('reads bye and media from a string', () => {
    expect(parsePeerMessage('{"t":"bye"}')).toEqual({ t: 'bye' });
    expect(parsePeerMessage('{"t":"media","audio":false,"video":true}')).toEqual({
      t: 'media',
      audio: false,
      video: true,
    });
  });

  it('reads ping and pong with their counter, and nothing without a whole number', () => {
    expect(parsePeerMessage('{"t":"ping","n":3}')).toEqual({ t: 'ping', n: 3 });
    expect(parsePeerMessage('{"t":"pong","n":0}')).toEqual({ t: 'pong', n: 0 });
    expect(parsePeerMessage('{"t":"ping"}')).toBeUndefined();
    expect(parsePeerMessage('{"t":"pong","n":1.5}')).toBeUndefined();
    expect(parsePeerMessage('{"t":"ping","n":"1"}')).toBeUndefined();
  });

  it('reads the same from bytes', () => {
    expect(parsePeerMessage(bytes('{"t":"bye"}'))).toEqual({ t: 'bye' });
    expect(parsePeerMessage(bytes('{"t":"media","audio":true,"video":false}'))).toEqual({
      t: 'media',
      audio: true,
      video: false,
    });
    expect(parsePeerMessage(Buffer.from('{"t":"bye"}'))).toEqual({ t: 'bye' });
  });

  it('keeps only the known fields', () => {
    expect(parsePeerMessage('{"t":"bye","extra":1}')).toEqual({ t: 'bye' });
    expect(parsePeerMessage('{"t":"media","audio":true,"video":true,"x":2}')).toEqual({
      t: 'media',
      audio: true,
      video: true,
    });
  });

  it.each([
    ['a number', 5],
    ['null', null],
    ['an object', { t: 'bye' }],
    ['an ArrayBuffer', bytes('{"t":"bye"}').buffer],
    ['bad JSON', '{"t":'],
    ['JSON null', 'null'],
    ['an unknown t', '{"t":"hello"}'],
    ['media without video', '{"t":"media","audio":true}'],
    ['media with a string flag', '{"t":"media","audio":"yes","video":true}'],
    ['bad JSON bytes', bytes('not json')],
  ])('ignores %s', (_, data) => {
    expect(parsePeerMessage(data)).toBeUndefined();
  });

  it('reads a quality message strictly', () => {
    const message = {
      t: 'quality',
      level: 'audio-only',
      settledLevel: 'audio-only',
      probing: false,
      reason: 'bandwidth',
      figures: { availableKbps: 96, lossPercent: 0 },
    };
    expect(parsePeerMessage(JSON.stringify({ ...message, extra: 1 }))).toEqual({
      ...message,
      figures: { availableKbps: 96, lossPercent: 0, sendKbps: undefined },
    });
    for (const broken of [
      { level: 'ultra' },
      { settledLevel: undefined },
      { probing: 'no' },
      { reason: 'because' },
      { figures: null },
      { figures: [] },
      { figures: { availableKbps: -1 } },
      { figures: { sendKbps: '100' } },
    ]) {
      expect(
        parsePeerMessage(JSON.stringify({ ...message, ...broken })),
        JSON.stringify(broken),
      ).toBeUndefined();
    }
  });

  it('reads a share message: a title while sharing, null when back to the camera', () => {
    expect(parsePeerMessage('{"t":"share","title":"Quarterly report — Docs","x":1}')).toEqual({
      t: 'share',
      title: 'Quarterly report — Docs',
    });
    expect(parsePeerMessage(bytes('{"t":"share","title":""}'))).toEqual({ t: 'share', title: '' });
    expect(parsePeerMessage('{"t":"share","title":null}')).toEqual({ t: 'share', title: null });
    const long = parsePeerMessage(JSON.stringify({ t: 'share', title: 'x'.repeat(5000) }));
    expect(long).toEqual({ t: 'share', title: 'x'.repeat(MAX_SHARE_TITLE) });
    for (const broken of ['{"t":"share"}', '{"t":"share","title":5}', '{"t":"share","title":{}}']) {
      expect(parsePeerMessage(broken), broken).toBeUndefined();
    }
  });
});
