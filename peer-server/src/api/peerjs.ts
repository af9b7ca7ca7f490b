import { randomUUID } from 'node:crypto';
import express, { type Router } from 'express';

/**
 * The PeerJS HTTP API, as the peerjs client uses it: `GET /<key>/id` hands out a fresh id for clients that
 * bring none; peer discovery (`/<key>/peers`) stays off, as the stock server has it by default.
 */
export function peerjsApi(): Router {
  const router = express.Router();
  router.get('/:key/id', (_req, res) => {
    res.set('Cache-Control', 'no-store').type('html').send(randomUUID());
  });
  router.get('/:key/peers', (_req, res) => {
    res.sendStatus(401);
  });
  return router;
}
