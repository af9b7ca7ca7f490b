import type { CallPorts } from '../call/call.js';
import { realTimers, type PeerLike, type PeerMedia, type SocketLike } from '../call/ports.js';
import type { FileChannelLike } from '../call/files/channel.js';
import { FILE_CHANNEL_ID } from '../call/files/limits.js';
import { inboundMediaBytes } from '../call/quality/stats.js';
import { withStartBitrate } from '../call/sdp.js';
import { ResilientPeer } from './resilient-peer.js';

/** What a call asks of the camera and microphone. */
export const MEDIA_CONSTRAINTS: MediaStreamConstraints = {
  audio: { echoCancellation: true, noiseSuppression: true },
  video: { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } },
};

/** The camera and microphone the user picked in the options (undefined: the browser's default). */
export interface MediaChoice {
  readonly cameraId?: string | undefined;
  readonly microphoneId?: string | undefined;
}

/** The call's constraints with the chosen devices; `ideal`, so that an unplugged one falls back to another. */
export function mediaConstraints(choice: MediaChoice = {}): MediaStreamConstraints {
  const pick = (id: string | undefined) => (id ? { deviceId: { ideal: id } } : {});
  return {
    audio: { ...(MEDIA_CONSTRAINTS.audio as MediaTrackConstraints), ...pick(choice.microphoneId) },
    video: { ...(MEDIA_CONSTRAINTS.video as MediaTrackConstraints), ...pick(choice.cameraId) },
  };
}

/**
 * The real browser behind the call core's ports. ICE servers are empty on purpose: simple-peer's
 * default would send every call's address to a public STUN server; TURN/STUN come from our own server.
 */
export function browserPorts(
  rtcConfig: RTCConfiguration = { iceServers: [] },
  choice: MediaChoice = {},
): CallPorts<MediaStream> {
  return {
    // The DOM's WebSocket handler types are narrower than the core's structural ones.
    socketFactory: (url, protocols) =>
      new WebSocket(url, protocols ? [...protocols] : undefined) as unknown as SocketLike,
    createPeer: ({ initiator, stream, iceServers }) => {
      // One transport per pair from the start: with the default ('balanced') the offerer gathers and sends
      // candidates for every m-section until the answer bundles them, 3× as many (audio, video, data), and
      // the joiner adds each with a call into WebRTC that waits for its busy threads (bench:mesh, 4 people:
      // 24 per pair made ahead, 56 on the click, up to 54 ms each).
      const configFor = (servers: readonly RTCIceServer[]): RTCConfiguration => ({
        bundlePolicy: 'max-bundle',
        ...rtcConfig,
        iceServers: [...(rtcConfig.iceServers ?? []), ...servers],
      });
      const peer = new ResilientPeer({
        initiator,
        stream,
        trickle: true,
        config: configFor(iceServers),
        configFor,
        sdpTransform: withStartBitrate,
      });
      // Chromium takes the start bitrate for what it sends from the remote description, and Firefox's
      // descriptions drop the parameter we add to our own (toward Firefox video started at 320×180): add it
      // to what arrives too.
      const signal = peer.signal.bind(peer);
      peer.signal = (data) =>
        signal(
          (data.type === 'offer' || data.type === 'answer') && data.sdp !== undefined
            ? { ...data, sdp: withStartBitrate(data.sdp) }
            : data,
        );
      return Object.assign(peer, {
        media: peerMedia(peer._pc),
        fileChannel: fileChannel(peer._pc),
      }) as unknown as PeerLike<MediaStream>;
    },
    getUserMedia: () => navigator.mediaDevices.getUserMedia(mediaConstraints(choice)),
    timers: realTimers,
    fetchJson: async (url, authorization) => {
      const headers = authorization === undefined ? undefined : { Authorization: authorization };
      const response = await fetch(url, { cache: 'no-store', ...(headers ? { headers } : {}) });
      if (!response.ok) throw new Error(`${url.split('?')[0]} answered ${response.status}`);
      return response.json();
    },
  };
}

/**
 * The link's file channel: negotiated with a fixed id on both sides (no signaling of its own), ordered and
 * reliable, created before the offer so that it rides on the same SCTP association as simple-peer's.
 */
export function fileChannel(pc: RTCPeerConnection): FileChannelLike {
  const channel = pc.createDataChannel('files', { negotiated: true, id: FILE_CHANNEL_ID, ordered: true });
  channel.binaryType = 'arraybuffer';
  return channel as unknown as FileChannelLike;
}

/** The quality monitor's handle on the connection: stats, and the video sender (found by its transceiver). */
export function peerMedia(pc: RTCPeerConnection): PeerMedia {
  // The sender's track is null while audio-only, so the transceiver's receiver tells which one is video.
  const videoSender = () =>
    pc.getTransceivers().find((t) => t.receiver.track.kind === 'video' && t.currentDirection !== 'stopped')
      ?.sender;
  return {
    getStats: () => pc.getStats(),
    async receivedBytes() {
      const reports = await Promise.all(pc.getReceivers().map((r) => r.getStats()));
      return reports.reduce((sum, report) => sum + inboundMediaBytes(report), 0);
    },
    async replaceVideoTrack(track) {
      await videoSender()?.replaceTrack(track as MediaStreamTrack | null);
    },
    async replaceAudioTrack(track) {
      const audioSender = pc
        .getTransceivers()
        .find((t) => t.receiver.track.kind === 'audio' && t.currentDirection !== 'stopped')?.sender;
      await audioSender?.replaceTrack(track as MediaStreamTrack | null);
    },
    async setVideoEncoding(encoding, preference) {
      const sender = videoSender();
      if (!sender) return;
      const parameters = sender.getParameters();
      const first = parameters.encodings[0];
      // No encodings yet means the sender was not negotiated: nothing to cap (the next change sets it again).
      if (!first) throw new Error('the video sender has no encodings yet');
      Object.assign(first, encoding);
      try {
        await sender.setParameters({ ...parameters, degradationPreference: preference });
      } catch {
        // A browser that does not take degradationPreference still takes the encoding.
        const again = sender.getParameters();
        if (again.encodings[0]) Object.assign(again.encodings[0], encoding);
        await sender.setParameters(again);
      }
    },
  };
}
