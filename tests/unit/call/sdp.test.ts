import { describe, expect, it } from 'vitest';
import { withoutAddresses, withStartBitrate } from '../../../src/call/sdp.js';

const SDP = [
  'v=0',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'a=rtpmap:111 opus/48000/2',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'm=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99',
  'a=rtpmap:96 VP8/90000',
  'a=rtpmap:97 rtx/90000',
  'a=fmtp:97 apt=96',
  'a=rtpmap:98 H264/90000',
  'a=fmtp:98 profile-level-id=42e01f',
  'a=rtpmap:99 red/90000',
  '',
].join('\r\n');

describe('withStartBitrate', () => {
  const out = withStartBitrate(SDP, 1500);
  const lines = out.split('\r\n');

  it('gives VP8 (no fmtp of its own) an fmtp line right after its rtpmap', () => {
    expect(lines[lines.indexOf('a=rtpmap:96 VP8/90000') + 1]).toBe('a=fmtp:96 x-google-start-bitrate=1500');
  });
  it('extends an existing video fmtp line', () => {
    expect(lines).toContain('a=fmtp:98 profile-level-id=42e01f;x-google-start-bitrate=1500');
  });
  it('leaves audio, retransmission and redundancy codecs alone', () => {
    expect(lines).toContain('a=fmtp:111 minptime=10;useinbandfec=1');
    expect(lines).toContain('a=fmtp:97 apt=96');
    expect(out).not.toMatch(/a=fmtp:99 /);
  });
  it('is idempotent and keeps line endings', () => {
    expect(withStartBitrate(out, 1500)).toBe(out);
    expect(out.endsWith('\r\n')).toBe(true);
    expect(withStartBitrate(SDP.replaceAll('\r\n', '\n'), 1500)).toBe(out.replaceAll('\r\n', '\n'));
  });
});

describe('withoutAddresses', () => {
  // A description read after gathering began: Chromium fills in candidates and the default address.
  const GATHERED = [
    'v=0',
    'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0 1',
    'm=audio 54321 UDP/TLS/RTP/SAVPF 111',
    'c=IN IP4 192.168.1.23',
    'a=rtcp:9 IN IP4 0.0.0.0',
    'a=candidate:1 1 udp 2122260223 192.168.1.23 54321 typ host generation 0',
    'a=candidate:2 1 udp 1686052607 203.0.113.7 54321 typ srflx raddr 192.168.1.23 rport 54321',
    'a=ice-ufrag:abcd',
    'a=ice-pwd:0123456789abcdef01234567',
    'a=fingerprint:sha-256 AB:CD',
    'a=setup:actpass',
    'a=mid:0',
    'a=rtcp-mux',
    'a=rtpmap:111 opus/48000/2',
    'm=video 54322 UDP/TLS/RTP/SAVPF 96',
    'c=IN IP6 2001:db8::5',
    'a=rtcp:54323 IN IP6 2001:db8::5',
    'a=candidate:3 1 udp 2122262783 2001:db8::5 54322 typ host generation 0',
    'a=end-of-candidates',
    'a=mid:1',
    'a=rtcp-fb:96 nack',
    'a=rtpmap:96 VP8/90000',
    '',
  ].join('\r\n');
  const out = withoutAddresses(GATHERED);

  it('leaves no address, candidate or port of ours in the description', () => {
    for (const address of ['192.168.1.23', '203.0.113.7', '2001:db8::5', '54321', '54322', '54323'])
      expect(out).not.toContain(address);
    expect(out).not.toContain('a=candidate');
    expect(out).not.toContain('end-of-candidates');
    expect(out).toContain('m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0');
    expect(out).toContain('m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0');
  });

  it('keeps everything a peer connection negotiates with: credentials, fingerprint, codecs, bundle', () => {
    const kept = GATHERED.split('\r\n').filter((l) => !/^(a=candidate|a=end-of|c=|a=rtcp:|m=)/.test(l));
    expect(out.split('\r\n').filter((l) => !/^(c=|a=rtcp:|m=)/.test(l))).toEqual(kept);
  });
});
