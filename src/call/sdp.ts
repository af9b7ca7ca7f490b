/**
 * SDP adjustments applied to our own offers and answers.
 *
 * Start bitrate: libwebrtc starts video at 300 kbps and, below what the resolution needs, drops the first
 * frames until its estimate rises; measured here, that put the first frame ~190 ms after the connection
 * was up. Starting higher (as Jitsi's `startBitrate` does) sends the first frame at once; the bandwidth
 * estimator still brings the rate down within a second on a slower link.
 */
export const START_BITRATE_KBPS = 1500;

/** Adds `x-google-start-bitrate` to every video codec of the SDP (except retransmission and FEC). */
export function withStartBitrate(sdp: string, kbps: number = START_BITRATE_KBPS): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const lines = sdp.split(eol);
  const out: string[] = [];
  let inVideo = false;
  const skipped = new Set<string>();
  for (const line of lines) {
    if (line.startsWith('m=')) inVideo = line.startsWith('m=video');
    const rtpmap = inVideo ? /^a=rtpmap:(\d+) ([^/]+)\//.exec(line) : null;
    if (rtpmap && /^(rtx|red|ulpfec|flexfec-03)$/i.test(rtpmap[2]!)) skipped.add(rtpmap[1]!);
    const fmtp = inVideo ? /^a=fmtp:(\d+) (.*)$/.exec(line) : null;
    if (fmtp && !skipped.has(fmtp[1]!) && !fmtp[2]!.includes('x-google-start-bitrate')) {
      out.push(`${line};x-google-start-bitrate=${kbps}`);
      continue;
    }
    out.push(line);
    // A codec with no fmtp line (VP8) gets one right after its rtpmap.
    if (rtpmap && !skipped.has(rtpmap[1]!) && !lines.some((l) => l.startsWith(`a=fmtp:${rtpmap[1]!} `))) {
      out.push(`a=fmtp:${rtpmap[1]!} x-google-start-bitrate=${kbps}`);
    }
  }
  return out.join(eol);
}

/**
 * The description without any of our network addresses: no candidate lines, and the default connection
 * address and ports of each section (filled in from a gathered candidate) set to ICE's placeholders. What a
 * guest sends, and applies, while still looking at its preview: nobody learns where it is before "Join call",
 * and its peer connection has nowhere to send a check (see Negotiation.stage).
 */
export function withoutAddresses(sdp: string): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const out: string[] = [];
  for (const line of sdp.split(eol)) {
    if (line.startsWith('a=candidate:') || line === 'a=end-of-candidates') continue;
    if (line.startsWith('c=IN ')) out.push('c=IN IP4 0.0.0.0');
    else if (line.startsWith('a=rtcp:')) out.push('a=rtcp:9 IN IP4 0.0.0.0');
    else if (line.startsWith('m=')) out.push(line.replace(/^(m=\S+) \d+/, '$1 9'));
    else out.push(line);
  }
  return out.join(eol);
}
