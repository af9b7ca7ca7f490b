import { describe, expect, it } from 'vitest';
import { CallError, mediaError, type CallErrorKind } from '../../../src/call/errors.js';
import { TEXTS } from '../../../src/ui/text/index.js';

const kinds: CallErrorKind[] = [
  'media-denied',
  'media-unavailable',
  'server-unreachable',
  'server-error',
  'link-invalid',
  'room-empty',
  'id-taken',
  'unauthorized',
  'busy',
  'connection-failed',
];

describe('CallError', () => {
  it('has its own user-facing message for every kind, in each language', () => {
    for (const text of Object.values(TEXTS)) {
      const messages = kinds.map((kind) => text.errors[kind]);
      for (const message of messages) expect(message.length).toBeGreaterThan(10);
      expect(new Set(messages).size).toBe(kinds.length);
    }
    // The error itself carries the kind, not words: logs and diagnostics stay in one language.
    expect(new CallError('busy').message).toBe('busy');
  });

  it('is an Error named CallError that keeps its kind and detail', () => {
    const error = new CallError('busy', 'second guest');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('CallError');
    expect(error.kind).toBe('busy');
    expect(error.cause).toBe('second guest');
    expect('cause' in new CallError('busy')).toBe(false);
  });
});

describe('mediaError', () => {
  it.each([
    [
      'a DOMException-like NotAllowedError',
      { name: 'NotAllowedError', message: 'Permission denied' },
      'media-denied',
    ],
    ['a SecurityError', { name: 'SecurityError' }, 'media-denied'],
    ['a real DOMException NotAllowedError', new DOMException('denied', 'NotAllowedError'), 'media-denied'],
    [
      'an Error named NotAllowedError',
      Object.assign(new Error('x'), { name: 'NotAllowedError' }),
      'media-denied',
    ],
    ['NotFoundError', { name: 'NotFoundError' }, 'media-unavailable'],
    ['NotReadableError', new DOMException('busy', 'NotReadableError'), 'media-unavailable'],
    ['a plain Error', new Error('boom'), 'media-unavailable'],
    ['a string', 'NotAllowedError', 'media-unavailable'],
    ['undefined', undefined, 'media-unavailable'],
    ['null', null, 'media-unavailable'],
    ['an object with a numeric name', { name: 1 }, 'media-unavailable'],
  ])('maps %s', (_, rejection, kind) => {
    const error = mediaError(rejection);
    expect(error).toBeInstanceOf(CallError);
    expect(error.kind).toBe(kind);
  });
});
