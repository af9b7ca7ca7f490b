import { describe, expect, it } from 'vitest';
import {
  encodeClientMessage,
  leavePayload,
  leaveReasonOf,
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
