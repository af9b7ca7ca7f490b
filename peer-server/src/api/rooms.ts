import express, { type Router } from 'express';
import { ROOM_ID_PATTERN } from '../ids.js';
import { errorReason, type Logger } from '../log.js';
import { admits } from '../signal/admission.js';
import type { Rooms } from '../signal/rooms.js';
import type { SignalServer } from '../signal/signal-server.js';
import { authenticatePeer, presentedAdmission } from './credentials.js';

/**
 * `GET /:room` → `{ waiting }`: whether anyone is in the room (the room is nobody's id: everyone registers a
 * random one in it, and only with the room's admission); for whoever shows the room's admission token
 * (`Authorization: Admission <token>`), as the join page does before joining; knowing the room id alone
 * tells nothing. `GET /:room/members?id=…&token=…` → `{ members }`, for
 * a member of that room only.
 */
export function roomsApi(signal: SignalServer, rooms: Rooms, log: Logger): Router {
  const router = express.Router();
  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  router.param('room', (req, res, next, room: string) => {
    if (ROOM_ID_PATTERN.test(room)) next();
    else res.status(400).json({ error: 'invalid room id' });
  });

  router.get('/:room', async (req, res) => {
    const { room } = req.params;
    if (!admits(room, presentedAdmission(req))) {
      res.status(403).json({ error: 'the link is needed to ask about this room' });
      return;
    }
    try {
      // A host of an older client, registered as the room's id without `room=`, counts as well.
      if (await signal.isConnected(room)) {
        res.json({ waiting: true });
        return;
      }
      res.json({ waiting: (await rooms.members(room)).length > 0 });
    } catch (error) {
      storeUnavailable(res, log, error);
    }
  });

  router.get('/:room/members', async (req, res) => {
    const peer = await authenticatePeer(req, res, signal);
    if (!peer) return;
    if (peer.room !== req.params.room) {
      res.status(403).json({ error: 'not a member of this room' });
      return;
    }
    try {
      res.json({ members: await rooms.members(req.params.room) });
    } catch (error) {
      storeUnavailable(res, log, error);
    }
  });
  return router;
}

function storeUnavailable(res: express.Response, log: Logger, error: unknown): void {
  log({ event: 'store-error', operation: 'members', reason: errorReason(error) });
  res.status(503).json({ error: 'room state unavailable' });
}
