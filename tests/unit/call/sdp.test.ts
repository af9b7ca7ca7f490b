import { describe, expect, it } from 'vitest';
import { withStartBitrate } from '../../../src/call/sdp.js';

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
