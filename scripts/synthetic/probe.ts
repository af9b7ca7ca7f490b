import WebSocket from 'ws';
import { admissionFor, roomForAdmission } from '../../src/call/admission.js';
import { CallError } from '../../src/call/errors.js';
import { newId } from '../../src/call/ids.js';
import { realTimers, type SocketFactory, type SocketLike } from '../../src/call/ports.js';
import type { SignalData } from '../../src/call/protocol.js';
import { deriveKey } from '../../src/call/seal.js';
import { SealedRelay } from '../../src/call/sealed-relay.js';
import { SignalingClient } from '../../src/call/signaling.js';

/** One probe's result: one JSON line in the synthetic client's output. */
export interface ProbeResult {
  readonly time: string;
  readonly outcome: 'ok' | 'fail';
  /** The step that failed (absent when ok). */
  readonly stage?: Stage;
  /** CallError kind or a short reason (absent when ok). */
  readonly error?: string;
  /** Milliseconds each step took, from the probe's start; steps not reached are absent. */
  readonly ms: Partial<Record<Stage | 'total', number>>;
}

export type Stage = 'register' | 'join' | 'offer-answer' | 'leave';

/** Node's WebSocket (ws) seen through the core's port; ws's event-target API matches the browser's. */
const nodeSockets: SocketFactory = (url, protocols) =>
  new WebSocket(url, protocols ? [...protocols] : undefined) as unknown as SocketLike;

/** A stand-in SDP: the server relays sealed boxes it cannot read, so only the round trip matters. */
const OFFER: SignalData = { type: 'offer', sdp: 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=synthetic probe\r\n' };
const ANSWER: SignalData = { type: 'answer', sdp: 'v=0\r\no=- 2 1 IN IP4 0.0.0.0\r\ns=synthetic probe\r\n' };

/**
 * One probe of a Diyalog server through the call core's own signaling (SignalingClient, SealedRelay, seal):
 * a host registers on a fresh room, a guest joins it, the guest's sealed offer reaches the host and its
 * sealed answer comes back, the guest leaves (sealed) and the host hears it. Both present the room's
 * admission token, as the extension does. Everything is closed at the end.
 */
export async function probe(serverUrl: string, timeoutMs: number): Promise<ProbeResult> {
  const started = performance.now();
  const ms: ProbeResult['ms'] = {};
  const mark = (stage: Stage | 'total') => (ms[stage] = Math.round(performance.now() - started));
  const secret = newId();
  const admission = admissionFor(secret);
  const room = await roomForAdmission(await admission);
  const guestId = newId();
  const client = (id: string) =>
    new SignalingClient({
      serverUrl,
      id,
      token: newId(),
      room,
      admission,
      socketFactory: nodeSockets,
      timers: realTimers,
      openTimeoutMs: timeoutMs,
      // A probe is one attempt: no reconnects within it.
      backoff: { baseMs: 60_000, capMs: 60_000 },
    });
  const host = client(room);
  const guest = client(guestId);
  let stage: Stage = 'register';
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const steps = async () => {
      const key = await deriveKey(secret, room);
      const hostRelay = new SealedRelay(host, room, newId());
      const guestRelay = new SealedRelay(guest, guestId, newId());
      hostRelay.setKey(key);
      guestRelay.setKey(key);
      await host.connect();
      mark('register');
      stage = 'join';
      await guest.connect();
      mark('join');

      stage = 'offer-answer';
      const offered = new Promise<void>((resolve, reject) => {
        host.on('message', (message) => {
          if (message.type !== 'OFFER' || message.src !== guestId) return;
          void hostRelay.open(message.payload, guestId).then(async (box) => {
            if (box?.signals[0]?.type !== 'offer') return reject(new Error('offer did not open'));
            await hostRelay.send(guestId, [ANSWER], box.gen ?? 0, false, 0);
            resolve();
          }, reject);
        });
      });
      const answered = new Promise<void>((resolve, reject) => {
        guest.on('message', (message) => {
          if (message.type === 'EXPIRE') reject(new Error('offer expired'));
          if (message.type !== 'ANSWER' || message.src !== room) return;
          void guestRelay.open(message.payload, room).then((box) => {
            if (box?.signals[0]?.type === 'answer') resolve();
            else reject(new Error('answer did not open'));
          }, reject);
        });
      });
      if (!(await guestRelay.send(room, [OFFER], 0, false, 0))) throw new Error('guest socket not open');
      await Promise.all([offered, answered]);
      mark('offer-answer');

      stage = 'leave';
      const left = new Promise<void>((resolve) =>
        host.on('message', (message) => {
          if (message.type !== 'LEAVE' || message.src !== guestId) return;
          void hostRelay.leaveReason(message.payload, guestId).then((reason) => {
            if (reason === 'hangup') resolve();
          });
        }),
      );
      guestRelay.leave(room, 'hangup');
      await left;
      mark('leave');
    };
    await Promise.race([
      steps(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    mark('total');
    return { time: new Date().toISOString(), outcome: 'ok', ms };
  } catch (error) {
    mark('total');
    const reason =
      error instanceof CallError ? error.kind : error instanceof Error ? error.message : String(error);
    return { time: new Date().toISOString(), outcome: 'fail', stage, error: reason, ms };
  } finally {
    clearTimeout(timer);
    guest.close();
    host.close();
  }
}
