import { ID_PATTERN } from '../../src/call/ids.js';

/** Rooms are what the extension makes: 128 random bits as 22 base64url characters. */
export const ROOM_ID_PATTERN = ID_PATTERN;

/**
 * Peer ids and tokens: wider than our own ids so that plain peerjs clients fit (UUIDs from /id, base-36
 * tokens), but short and URL-safe, so they are safe to log, to use as map keys and to embed in TURN usernames.
 */
export const PEER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
