import { describe, expect, it } from 'vitest';
import { CallError } from '../../../src/call/errors.js';
import { newId } from '../../../src/call/ids.js';
import {
  findInviteLink,
  formatInviteLink,
  normalizeServerUrl,
  parseInviteLink,
  parseJoinLocation,
  signalingUrl,
  withJoinPage,
} from '../../../src/call/link.js';
import { en } from '../../../src/ui/text/en.js';

const room = newId();
const secret = newId();

/** Runs `fn`, expecting a CallError('link-invalid'), and gives its detail. */
function linkInvalid(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CallError);
    expect((error as CallError).kind).toBe('link-invalid');
    expect(en.errors[(error as CallError).kind]).toMatch(/invite link/);
    return String((error as CallError).cause);
  }
  throw new Error('expected a link-invalid CallError, but nothing was thrown');
}

describe('formatInviteLink / parseInviteLink', () => {
  it.each([
    ['https://call.example.com', 'https://call.example.com'],
    ['https://call.example.com/', 'https://call.example.com'],
    ['http://localhost:9000', 'http://localhost:9000'],
    ['http://127.0.0.1:9000//', 'http://127.0.0.1:9000'],
    ['https://example.com/diyalog', 'https://example.com/diyalog'],
    ['https://example.com/diyalog/', 'https://example.com/diyalog'],
    ['https://example.com/a/b///', 'https://example.com/a/b'],
    ['https://example.com:443/x', 'https://example.com/x'],
  ])('round-trips through server %s', (serverUrl, normalized) => {
    const link = formatInviteLink({ serverUrl, room, secret });
    expect(link).toBe(`${normalized}/join/${room}#s=${secret}`);
    expect(parseInviteLink(link)).toEqual({ serverUrl: normalized, room, secret });
  });

  it('round-trips many random rooms and secrets', () => {
    for (let i = 0; i < 100; i++) {
      const invite = { serverUrl: 'https://example.com/p', room: newId(), secret: newId() };
      expect(parseInviteLink(formatInviteLink(invite))).toEqual(invite);
    }
  });

  it('accepts a trailing slash after the room, surrounding whitespace and other fragment parameters', () => {
    expect(parseInviteLink(`  https://example.com/join/${room}/#s=${secret}\n`)).toEqual({
      serverUrl: 'https://example.com',
      room,
      secret,
    });
    expect(parseInviteLink(`https://example.com/x/join/${room}#a=1&s=${secret}&b=2`)).toEqual({
      serverUrl: 'https://example.com/x',
      room,
      secret,
    });
  });

  it('finds the link in a pasted message, skipping other addresses, and says when there is none', () => {
    const link = `https://example.com/join/${room}#s=${secret}`;
    const invite = { serverUrl: 'https://example.com', room, secret };
    expect(findInviteLink(link)).toEqual(invite);
    expect(findInviteLink(`Join me: ${link}\nor see https://example.com/help first`)).toEqual(invite);
    expect(findInviteLink(`see https://example.com/help, then "${link}"`)).toEqual(invite);
    expect(linkInvalid(() => findInviteLink('call me at noon'))).toBe('no invite link in the text');
    expect(linkInvalid(() => findInviteLink(''))).toBe('no invite link in the text');
    // A link cut before its secret: the reason is the link's, not "no link".
    expect(linkInvalid(() => findInviteLink(`https://example.com/join/${room}`))).toBe(
      'no secret in the fragment',
    );
  });

  it('puts the server in the fragment when the join page is served elsewhere (JOIN_PAGE_URL), and reads it back', () => {
    const invite = withJoinPage(
      { serverUrl: 'https://calls.example.org/', room, secret },
      'https://join.example.net/p/',
    );
    expect(invite.joinPageUrl).toBe('https://join.example.net/p');
    const link = formatInviteLink(invite);
    expect(link).toBe(
      `https://join.example.net/p/join/${room}#s=${secret}&server=${encodeURIComponent('https://calls.example.org')}`,
    );
    expect(parseInviteLink(link)).toEqual({
      serverUrl: 'https://calls.example.org',
      room,
      secret,
      joinPageUrl: 'https://join.example.net/p',
    });
    // No join page of its own, or the server's own: the plain link, as before.
    for (const page of ['', 'https://calls.example.org', 'https://calls.example.org/']) {
      const plain = withJoinPage({ serverUrl: 'https://calls.example.org', room, secret }, page);
      expect(plain).toEqual({ serverUrl: 'https://calls.example.org', room, secret });
      expect(formatInviteLink(plain)).toBe(`https://calls.example.org/join/${room}#s=${secret}`);
    }
    expect(
      parseInviteLink(`https://a.example/join/${room}#s=${secret}&server=https%3A%2F%2Fa.example`),
    ).toEqual({ serverUrl: 'https://a.example', room, secret });
    expect(
      linkInvalid(() => parseInviteLink(`https://a.example/join/${room}#s=${secret}&server=ftp%3A%2F%2Fb`)),
    ).toBe('bad server in the fragment');
    expect(
      linkInvalid(() => parseInviteLink(`https://a.example/join/${room}#s=${secret}&server=nonsense`)),
    ).toBe('bad server in the fragment');
  });

  it('refuses a server URL that is not http(s)', () => {
    expect(() => formatInviteLink({ serverUrl: 'ftp://example.com', room, secret })).toThrow(/http/);
    expect(() => normalizeServerUrl('ws://example.com')).toThrow(/http/);
    expect(() => normalizeServerUrl('not a url')).toThrow();
  });

  describe('rejects a damaged link with kind link-invalid', () => {
    it.each([
      ['not a URL', 'definitely not a link', 'not a URL'],
      ['an empty string', '', 'not a URL'],
      ['an ftp: link', `ftp://example.com/join/${room}#s=${secret}`, 'not http(s)'],
      ['a javascript: link', `javascript:alert(1)//join/${room}#s=${secret}`, 'not http(s)'],
      ['a link without /join/', `https://example.com/call/${room}#s=${secret}`, 'no /join/<room> path'],
      ['a link with /join/ but no room', `https://example.com/join/#s=${secret}`, 'no /join/<room> path'],
      ['a room one character short', `https://example.com/join/${room.slice(1)}#s=${secret}`, 'bad room id'],
      ['a room one character long', `https://example.com/join/${room}A#s=${secret}`, 'bad room id'],
      [
        'a room with a bad character',
        `https://example.com/join/${room.slice(1)}.#s=${secret}`,
        'bad room id',
      ],
      [
        'a room with an escaped character',
        `https://example.com/join/${room.slice(3)}%20#s=${secret}`,
        'bad room id',
      ],
      ['a missing fragment', `https://example.com/join/${room}`, 'no secret in the fragment'],
      ['an empty fragment', `https://example.com/join/${room}#`, 'no secret in the fragment'],
      [
        'a fragment without s=',
        `https://example.com/join/${room}#secret=${secret}`,
        'no secret in the fragment',
      ],
      ['an empty secret', `https://example.com/join/${room}#s=`, 'no secret in the fragment'],
      [
        'a secret in the query, not the fragment',
        `https://example.com/join/${room}?s=${secret}`,
        'no secret',
      ],
      ['a truncated secret', `https://example.com/join/${room}#s=${secret.slice(0, 21)}`, 'bad secret'],
      ['a too-long secret', `https://example.com/join/${room}#s=${secret}x`, 'bad secret'],
      [
        'a secret with a bad character',
        `https://example.com/join/${room}#s=${secret.slice(1)}*`,
        'bad secret',
      ],
    ])('%s', (_, link, reason) => {
      expect(linkInvalid(() => parseInviteLink(link))).toContain(reason);
    });
  });
});

describe('parseJoinLocation', () => {
  it('reads room and secret from a join page location', () => {
    expect(parseJoinLocation(`/join/${room}`, `#s=${secret}`)).toEqual({ room, secret });
    expect(parseJoinLocation(`/prefix/join/${room}/`, `#s=${secret}`)).toEqual({ room, secret });
    expect(parseJoinLocation(`/join/${room}`, `s=${secret}`)).toEqual({ room, secret });
  });

  it.each([
    ['/', `#s=${secret}`, 'bad room id'],
    [`/rooms/${room}`, `#s=${secret}`, 'bad room id'],
    [`/join/${room}/extra`, `#s=${secret}`, 'bad room id'],
    [`/join/${room}`, '', 'no secret in the fragment'],
    [`/join/${room}`, '#s=abc', 'bad secret'],
  ])('rejects %s %s', (pathname, hash, reason) => {
    expect(linkInvalid(() => parseJoinLocation(pathname, hash))).toContain(reason);
  });
});

describe('signalingUrl', () => {
  const id = newId();
  const token = newId();

  it('maps http to ws and keeps host, port and path prefix', () => {
    const url = new URL(signalingUrl('http://localhost:9000/base/', { id, token }));
    expect(url.protocol).toBe('ws:');
    expect(url.host).toBe('localhost:9000');
    expect(url.pathname).toBe('/base/signal/peerjs');
    expect(url.searchParams.get('key')).toBe('peerjs');
    expect(url.searchParams.get('id')).toBe(id);
    expect(url.searchParams.get('token')).toBe(token);
  });

  it('maps https to wss and uses a given key', () => {
    const url = new URL(signalingUrl('https://call.example.com', { id, token, key: 'diyalog' }));
    expect(url.protocol).toBe('wss:');
    expect(url.host).toBe('call.example.com');
    expect(url.pathname).toBe('/signal/peerjs');
    expect([...url.searchParams]).toEqual([
      ['key', 'diyalog'],
      ['id', id],
      ['token', token],
    ]);
  });

  it('escapes values so they cannot add parameters', () => {
    const url = new URL(signalingUrl('https://example.com', { id: 'a&token=evil', token }));
    expect(url.searchParams.get('id')).toBe('a&token=evil');
    expect(url.searchParams.getAll('token')).toEqual([token]);
  });
});
