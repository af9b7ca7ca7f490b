/** Messages on the peer-to-peer data channel, one arm per handler in handlers/ (see router.ts). */
import type { QualityLevel } from '../quality/config.js';
import type { DecisionFigures, DecisionReason } from '../quality/policy.js';

/** What one side tells the other of its own quality decision (the receiver gets no event otherwise). */
export interface RemoteQuality {
  readonly level: QualityLevel;
  /** Show this one: `level` differs only while `probing` (a trial that may be undone). */
  readonly settledLevel: QualityLevel;
  readonly probing: boolean;
  readonly reason: DecisionReason;
  readonly figures: DecisionFigures;
}

export type PeerMessage =
  | { t: 'bye' }
  /** "Are you still there?" and its answer: a server notice that a peer's socket closed is checked so. */
  | { t: 'ping'; n: number }
  | { t: 'pong'; n: number }
  | { t: 'media'; audio: boolean; video: boolean }
  | ({ t: 'quality' } & RemoteQuality)
  /** The sender shows a tab instead of its camera (`title`), or is back to the camera (`null`). */
  | { t: 'share'; title: string | null }
  /** The sender's display name (already bounded by the sender; bounded again on arrival). */
  | { t: 'name'; name: string }
  /** A chat message (see chat/): `id` is the sender's, for acks and de-duplication; `at` its send time. */
  | { t: 'chat'; id: string; at: number; text: string }
  /** "Your chat message `id` arrived": the sender stops marking it undelivered to us. */
  | { t: 'chat-ack'; id: string }
  /** A file the sender offers (see files/); its chunks go on the link's file channel numbered `n`. */
  | { t: 'file-offer'; id: string; n: number; name: string; size: number; mime: string }
  /** The receiver takes the file from `offset` (0; later: where a resume starts). */
  | { t: 'file-accept'; id: string; offset: number }
  | { t: 'file-decline'; id: string }
  /** Either side stops the transfer (`damaged`: the receiver's hash did not match). */
  | { t: 'file-cancel'; id: string; reason: 'cancelled' | 'damaged' | 'refused' }
  /** The receiver has this many bytes (verified, once `offset` is the size and `done`). */
  | { t: 'file-ack'; id: string; offset: number; done: boolean };

export type MessageType = PeerMessage['t'];
export type MessageOf<K extends MessageType> = Extract<PeerMessage, { t: K }>;

/** A shared tab's title is shown as text, never as markup; a longer one is cut. */
export const MAX_SHARE_TITLE = 200;
