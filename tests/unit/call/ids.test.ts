import { randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import {
  cryptoRandomBytes,
  fromBase64Url,
  ID_BYTES,
  ID_LENGTH,
  ID_PATTERN,
  newId,
  toBase64Url,
} from '../../../src/call/ids.js';

const nodeBase64Url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');

describe('base64url', () => {
  it('matches Node for every length from 0 to 64 and for random longer inputs', () => {
    const lengths = [...Array.from({ length: 65 }, (_, i) => i), 255, 256, 257, 1000, 4097];
    for (const length of lengths) {
      for (let round = 0; round < 5; round++) {
        const bytes = new Uint8Array(randomBytes(length));
        const text = toBase64Url(bytes);
        expect(text, `length ${length}`).toBe(nodeBase64Url(bytes));
        expect(fromBase64Url(text), `length ${length}`).toEqual(bytes);
      }
    }
  });

  it('decodes what Node encodes, including the bytes that map to "-" and "_"', () => {
    const edge = new Uint8Array([0xfb, 0xff, 0xbf, 0xfe, 0x00, 0xff, 0x3e, 0x3f]);
    const text = nodeBase64Url(edge);
    expect(text).toMatch(/[-_]/);
    expect(toBase64Url(edge)).toBe(text);
    expect(fromBase64Url(text)).toEqual(edge);
  });

  it('returns a fresh Uint8Array of the exact decoded length', () => {
    expect(fromBase64Url('')).toEqual(new Uint8Array(0));
    expect(fromBase64Url('AA')).toEqual(new Uint8Array([0]));
    expect(fromBase64Url('AAA')).toEqual(new Uint8Array([0, 0]));
    expect(fromBase64Url('AAAA')).toEqual(new Uint8Array([0, 0, 0]));
  });

  it.each([
    ['padding', 'AA=='],
    ['standard base64 "+"', 'ab+c'],
    ['standard base64 "/"', 'ab/c'],
    ['whitespace', 'ab c'],
    ['a length that no byte string has', 'ABCDE'],
    ['a single character', 'A'],
  ])('rejects %s', (_, text) => {
    expect(() => fromBase64Url(text)).toThrow('not base64url');
  });
});

describe('newId', () => {
  it('is 22 URL-safe characters matching ID_PATTERN', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const id = newId();
      expect(id).toHaveLength(ID_LENGTH);
      expect(id).toMatch(ID_PATTERN);
      ids.add(id);
    }
    expect(ids.size).toBe(200);
  });

  it('encodes exactly the 16 bytes the injected RandomBytes gives', () => {
    const bytes = new Uint8Array(Array.from({ length: ID_BYTES }, (_, i) => i * 17 + 3));
    const random = vi.fn((length: number) => {
      expect(length).toBe(ID_BYTES);
      return bytes;
    });
    const id = newId(random);
    expect(random).toHaveBeenCalledTimes(1);
    expect(random).toHaveBeenCalledWith(ID_BYTES);
    expect(id).toBe(nodeBase64Url(bytes));
    expect(fromBase64Url(id)).toEqual(bytes);
  });

  it('gives different ids for different random bytes', () => {
    const zeros = newId(() => new Uint8Array(ID_BYTES));
    const ones = newId(() => new Uint8Array(ID_BYTES).fill(0xff));
    expect(zeros).toBe('AAAAAAAAAAAAAAAAAAAAAA');
    expect(ones).toBe('_____________________w');
    expect(zeros).toMatch(ID_PATTERN);
    expect(ones).toMatch(ID_PATTERN);
  });

  it('ID_PATTERN accepts only 22 base64url characters', () => {
    expect(ID_PATTERN.test('A'.repeat(22))).toBe(true);
    expect(ID_PATTERN.test('A'.repeat(21))).toBe(false);
    expect(ID_PATTERN.test('A'.repeat(23))).toBe(false);
    expect(ID_PATTERN.test(`${'A'.repeat(21)}+`)).toBe(false);
    expect(ID_PATTERN.test(`${'A'.repeat(21)}=`)).toBe(false);
  });
});

describe('cryptoRandomBytes', () => {
  it('returns the asked number of bytes, differently each time', () => {
    const a = cryptoRandomBytes(32);
    const b = cryptoRandomBytes(32);
    expect(a).toBeInstanceOf(Uint8Array);
    expect(a).toHaveLength(32);
    expect(a).not.toEqual(b);
  });
});
