import type { FatalFrameProblem, MessageProblem } from './message.js';

/** Why a client's frame was refused; the `msg` of the ERROR it gets, and a metrics label. */
export type FrameRejection =
  | FatalFrameProblem
  | MessageProblem
  | 'frame-too-large'
  | 'invalid-utf8'
  | 'protocol-error'
  | 'destination-busy'
  /** The destination is in a room the sender is not admitted to (or the other way round). */
  | 'not-in-room';

/** Why a WebSocket was refused or closed at registration; the ERROR `msg` (except as noted), and a label. */
export type ConnectionRejection =
  /** HTTP 403 on the upgrade, no WebSocket. */
  | 'origin-not-allowed'
  /** HTTP 503 on the upgrade, no WebSocket. */
  | 'shutting-down'
  | 'too-many-connections'
  /** MAX_CONNECTIONS reached: closed at TCP accept, no HTTP answer. */
  | 'server-full'
  /** ERROR "Invalid key provided", as the stock PeerJS server words it (peerjs clients show it). */
  | 'invalid-key'
  | 'invalid-id'
  | 'invalid-room'
  /** A room join without the admission token its id is the hash of (signal/admission.ts). */
  | 'not-admitted'
  /** An ID-TAKEN message, as in PeerJS. */
  | 'id-taken'
  | 'room-full'
  | 'room-unavailable';
