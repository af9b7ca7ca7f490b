import SimplePeer from '@thaunknown/simple-peer';
import type { CallPorts } from '../call/call.js';
import { realTimers, type PeerLike, type SocketLike } from '../call/ports.js';
import { withStartBitrate } from '../call/sdp.js';

/** What a call asks of the camera and microphone. */
export const MEDIA_CONSTRAINTS: MediaStreamConstraints = {
  audio: { echoCancellation: true, noiseSuppression: true },
  video: { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } },
};

/**
 * The real browser behind the call core's ports. ICE servers are empty on purpose: simple-peer's
 * default would send every call's address to a public STUN server; TURN/STUN come from our own server.
 */
export function browserPorts(rtcConfig: RTCConfiguration = { iceServers: [] }): CallPorts<MediaStream> {
  return {
    // The DOM's WebSocket handler types are narrower than the core's structural ones.
    socketFactory: (url) => new WebSocket(url) as unknown as SocketLike,
    createPeer: ({ initiator, stream, iceServers }) =>
      new SimplePeer({
        initiator,
        stream,
        trickle: true,
        config: { ...rtcConfig, iceServers: [...(rtcConfig.iceServers ?? []), ...iceServers] },
        sdpTransform: withStartBitrate,
      }) as unknown as PeerLike<MediaStream>,
    getUserMedia: () => navigator.mediaDevices.getUserMedia(MEDIA_CONSTRAINTS),
    timers: realTimers,
    fetchJson: async (url) => {
      const response = await fetch(url, { cache: 'no-store' });
      if (!response.ok) throw new Error(`${url.split('?')[0]} answered ${response.status}`);
      return response.json();
    },
  };
}
