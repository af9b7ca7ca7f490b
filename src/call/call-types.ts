/**
 * The shapes a call is made from and shows: what it is handed (ports, options), what the call window reads
 * (the snapshot, one participant per remote person) and the events it emits. `call.ts` does the work.
 */
import type { CallState, Role } from './call-machine.js';
import type { PeerMessage, RemoteQuality } from './channel/messages.js';
import type { RandomBytes } from './ids.js';
import type { LinkCloseReason, LinkState } from './link/link-machine.js';
import type { Invite } from './link.js';
import type { FetchJson, MediaStreamLike, PeerFactory, SocketFactory, Timers } from './ports.js';
import type { QualityDecision } from './quality/policy.js';
import type { QualitySummary } from './quality/summary.js';

export interface CallPorts<S extends MediaStreamLike> {
  readonly socketFactory: SocketFactory;
  readonly createPeer: PeerFactory<S>;
  readonly getUserMedia: () => Promise<S>;
  readonly timers: Timers;
  readonly random?: RandomBytes;
  /** Fetches STUN/TURN servers from our server; without it, calls use host candidates only. */
  readonly fetchJson?: FetchJson;
}

export interface CallOptions<S extends MediaStreamLike> {
  readonly role: Role;
  readonly invite: Invite;
  readonly ports: CallPorts<S>;
  /**
   * How long a guest waits in "Connecting…" after joining before a 1:1 call fails. In a room with signaling
   * open it says "Still connecting…" instead and fails only once signaling has been down this long.
   */
  readonly connectTimeoutMs?: number;
  /** Whether the call may switch to audio only by itself when the connection is poor (default true). */
  readonly autoFallback?: boolean;
  /**
   * How long a broken connection is restarted before the call says "Connection lost" (default: what the
   * server hands out with its ICE servers, else 60 s).
   */
  readonly reconnectLimitMs?: number;
  /** Our display name, told to the others over the data channel (undefined: none). */
  readonly name?: string;
  /** The most participants a room holds (the server refuses more; default 6). */
  readonly capacity?: number;
}

/** A remote participant as the call window shows them. */
export interface Participant<S> {
  readonly id: string;
  /** What they call themselves (bounded; undefined: they gave no name, the UI says "Guest n"). */
  readonly name: string | undefined;
  /** Their place in the room's join order, from 1 (the n of "Guest n"). */
  readonly position: number;
  readonly stream: S | undefined;
  readonly phase: LinkState['phase'];
  readonly audio: boolean;
  readonly video: boolean;
  readonly sharing: string | undefined;
  readonly quality: QualitySummary | undefined;
  readonly remoteDecision: RemoteQuality | undefined;
  /** Our video cap on this link (kbps) from the shared uplink, undefined: none. */
  readonly uplinkCapKbps: number | undefined;
  /** Connected, but nothing has arrived from them for a second or more (their picture froze). */
  readonly unstable: boolean;
  /** While their link is reconnecting: when its media path broke (the Timers clock), else undefined. */
  readonly reconnectingSince: number | undefined;
}

export interface CallSnapshot<S> {
  readonly state: CallState;
  readonly localStream: S | undefined;
  readonly remoteStream: S | undefined;
  readonly muted: boolean;
  readonly cameraOff: boolean;
  /** What the other side says it is sending (told over the data channel). */
  readonly remoteAudio: boolean;
  readonly remoteVideo: boolean;
  /** The latest once-a-second reading of the connection (undefined before the first). */
  readonly quality: QualitySummary | undefined;
  /** What we send, as the quality policy decided (undefined until connected). */
  readonly decision: QualityDecision | undefined;
  /** What the other side says it sends. */
  readonly remoteDecision: RemoteQuality | undefined;
  readonly autoFallback: boolean;
  /** Whether our signaling socket is registered (it reconnects by itself when it drops). */
  readonly signalingOpen: boolean;
  /**
   * Connected, but nothing has arrived for a second or more from anyone we are connected to ("Connection
   * unstable…"); one frozen person in a group is their own tile's trouble (`tileTrouble`).
   */
  readonly unstable: boolean;
  /** The Timers clock when the snapshot was taken, for "Reconnecting… (12 s)". */
  readonly now: number;
  /** The title of the tab we send instead of the camera (undefined: not sharing). */
  readonly sharing: string | undefined;
  /** The title of the tab the other side says it shares (undefined: it is not sharing). */
  readonly remoteSharing: string | undefined;
  /** Everyone else in the call, in the room's join order. */
  readonly participants: readonly Participant<S>[];
  /** Our own display name (undefined: none given, the UI says "Guest n"). */
  readonly name: string | undefined;
  /** Our place in the room's join order, from 1. */
  readonly position: number;
  /** How many others are registered in the room now (in the call or still looking at their preview). */
  readonly othersInRoom: number;
  /**
   * Connecting in a room past the connect time, signaling open: how many others we are still trying to
   * reach (the pairs keep being retried; undefined otherwise).
   */
  readonly stillConnecting: number | undefined;
}

export type CallEvents = {
  change: [];
  /** A participant's link connected for the first time (name and position as in `Participant`). */
  'participant-joined': [id: string, name: string | undefined, position: number];
  /** A participant left: hung up, or their browser vanished (not told for our own hang-up). */
  'participant-left': [id: string, name: string | undefined, position: number, reason: LinkCloseReason];
  /** A data-channel message from a participant, after the link handled it. */
  message: [from: string, message: PeerMessage];
  /** A participant's link changed phase (features such as chat resend what it missed). */
  link: [id: string, state: LinkState];
};
