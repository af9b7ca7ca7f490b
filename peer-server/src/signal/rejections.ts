import type { FatalFrameProblem, MessageProblem } from './message.js';

/** Why a client's frame was refused; the `msg` of the ERROR it gets, and a metrics label. */
export type FrameRejection =
  | FatalFrameProblem
  | MessageProblem
  | 'frame-too-large'
  | 'invalid-utf8'
  | 'protocol-error'
  | 'destination-busy';

/** Why a WebSocket was refused or closed at registration; the ERROR `msg` (except as noted), and a label. */
export type ConnectionRejection =
  /** HTTP 403 on the upgrade, no WebSocket. */
  | 'origin-not-allowed'
  /** HTTP 503 on the upgrade, no WebSocket. */
  | 'shutting-down'
  | 'too-many-connections'
  /** ERROR "Invalid key provided", as the stock PeerJS server words it (peerjs clients show it). */
  | 'invalid-key'
  | 'invalid-id'
  | 'invalid-room'
  /** An ID-TAKEN message, as in PeerJS. */
  | 'id-taken'
  | 'room-full'
  | 'room-unavailable';
