/**
 * The outside world as the pure core sees it. Browsers hand in the real things (WebSocket, simple-peer,
 * getUserMedia, window timers); Node tests hand in fakes.
 */
import type { FileChannelLike } from './files/channel.js';
import type { IceServer, SignalData } from './protocol.js';
import type { DegradationPreference, EncodingSettings } from './quality/actuation.js';
import type { StatsInput } from './quality/stats.js';

export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}
/** `protocols`: WebSocket subprotocols, which carry our credentials out of the URL (admission.ts). */
export type SocketFactory = (url: string, protocols?: readonly string[]) => SocketLike;

export type TimerHandle = unknown;
export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle): void;
  now(): number;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
  setInterval: (fn, ms) => globalThis.setInterval(fn, ms),
  clearInterval: (h) => globalThis.clearInterval(h as ReturnType<typeof setInterval>),
  now: () => Date.now(),
};

export interface TrackLike {
  readonly kind: string;
  enabled: boolean;
  stop(): void;
}
export interface MediaStreamLike {
  getTracks(): TrackLike[];
  getAudioTracks(): TrackLike[];
  getVideoTracks(): TrackLike[];
}

/**
 * The media side of a peer connection, for the quality monitor: its stats and its video sender. Changes
 * go through `RTCRtpSender.replaceTrack` / `setParameters`, so none renegotiates.
 */
export interface PeerMedia {
  getStats(): Promise<StatsInput>;
  /**
   * The bytes of media received so far, every inbound stream together (the receivers' stats alone: cheaper
   * than `getStats`, read four times a second to see a frozen path before ICE does).
   */
  receivedBytes(): Promise<number>;
  /** null stops video while audio goes on (audio-only); the camera track brings it back. */
  replaceVideoTrack(track: TrackLike | null): Promise<void>;
  setVideoEncoding(encoding: EncodingSettings, preference: DegradationPreference): Promise<void>;
  /** Swaps what the audio sender sends (microphone, or microphone mixed with a shared tab's sound). */
  replaceAudioTrack(track: TrackLike | null): Promise<void>;
}

/** RTCPeerConnection.connectionState: ICE and DTLS together. */
export type PeerConnectionState = 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';

/**
 * The slice of simple-peer the core uses, made resilient: a failed ICE connection does not destroy the
 * peer (upstream does); `restartIce` brings it back through signaling instead.
 */
export interface PeerLike<S> {
  /** Without it the call runs without quality monitoring. */
  readonly media?: PeerMedia;
  /** The link's own channel for file bytes (files/); without it the call sends no files. */
  readonly fileChannel?: FileChannelLike;
  signal(data: SignalData): void;
  send(data: string): void;
  destroy(): void;
  /**
   * Restarts ICE on the same connection (tracks, senders and data channel stay): the initiator sends a new
   * offer with fresh credentials, dropping one still unanswered; the other side asks the initiator to.
   * `iceServers` replaces the configuration first (fresh TURN credentials).
   */
  restartIce(iceServers?: readonly IceServer[]): void;
  on(event: 'connectionState', listener: (state: PeerConnectionState) => void): unknown;
  on(event: 'signal', listener: (data: SignalData) => void): unknown;
  on(event: 'stream', listener: (stream: S) => void): unknown;
  on(event: 'data', listener: (data: unknown) => void): unknown;
  on(event: 'connect' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}
export type PeerFactory<S> = (options: {
  initiator: boolean;
  stream: S;
  /** STUN/TURN servers from our server (empty: host candidates only, enough on one network). */
  iceServers: readonly IceServer[];
}) => PeerLike<S>;

/**
 * GETs a URL (with an `Authorization` header when given) and resolves to its JSON body; rejects on a
 * network error or a non-2xx status.
 */
export type FetchJson = (url: string, authorization?: string) => Promise<unknown>;
