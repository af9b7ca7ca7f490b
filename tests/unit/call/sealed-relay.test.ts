import { afterEach, describe, expect, it, vi } from 'vitest';
import { newId } from '../../../src/call/ids.js';
import type { RelayType } from '../../../src/call/protocol.js';
import { deriveKey } from '../../../src/call/seal.js';
import { SealedRelay } from '../../../src/call/sealed-relay.js';
import type { SignalingClient } from '../../../src/call/signaling.js';

/** The socket side of a relay: records what goes out, in order. */
function recordingSignaling(): { signaling: SignalingClient; sent: { type: RelayType; box: unknown }[] } {
  const sent: { type: RelayType; box: unknown }[] = [];
  const signaling = {
    isOpen: true,
    send: (type: RelayType, _to: string, box: unknown) => {
      sent.push({ type, box });
      return true;
    },
    setUrgent: () => undefined,
    probe: () => undefined,
  } as unknown as SignalingClient;
  return { signaling, sent };
}

afterEach(() => vi.restoreAllMocks());

describe('SealedRelay', () => {
  it('sends a hello, an offer and a LEAVE to one participant in the order of their counts, so none is taken for a replay', async () => {
    const secret = newId();
    const room = newId();
    const key = await deriveKey(secret, room);
    const [alice, bob] = [newId(), newId()];
    const out = recordingSignaling();
    const sender = new SealedRelay(out.signaling, alice, newId());
    sender.setKey(key);
    const receiver = new SealedRelay(recordingSignaling().signaling, bob, newId());
    receiver.setKey(key);

    // Sealing is asynchronous and nothing promises that boxes finish in the order they were started: here
    // the first one (a large description) finishes last. Sent as each finished, with the count taken when
    // it started, the later boxes would go out first with higher counts, and the receiver would drop the
    // description as older than what it has seen.
    const encrypt = crypto.subtle.encrypt.bind(crypto.subtle);
    let calls = 0;
    vi.spyOn(crypto.subtle, 'encrypt').mockImplementation(async (...args) => {
      if (calls++ === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      return encrypt(...args);
    });
    const sdp = `v=0\r\n${'a=x\r\n'.repeat(1000)}`;
    const offer = sender.send(bob, [{ type: 'offer', sdp }], 0, false, 1);
    sender.hello(bob, 'join');
    const candidate = sender.send(bob, [{ type: 'candidate', candidate: { candidate: 'c' } }], 0, false, 1);
    sender.leave(bob, 'hangup');
    expect(await offer).toBe(true);
    expect(await candidate).toBe(true);
    await sender.settled();

    expect(out.sent.map((f) => f.type)).toEqual(['OFFER', 'CANDIDATE', 'CANDIDATE', 'LEAVE']);
    const opened = [];
    for (const frame of out.sent.slice(0, 3)) opened.push(await receiver.open(frame.box, alice));
    expect(opened.map((b) => b?.seq)).toEqual([1, 2, 3]);
    expect(opened.map((b) => (b?.hello ? 'hello' : b?.signals[0]?.type))).toEqual([
      'offer',
      'hello',
      'candidate',
    ]);
    expect(await receiver.leaveReason(out.sent[3]!.box, alice)).toBe('hangup');
    // And each box counts once.
    expect(await receiver.open(out.sent[0]!.box, alice)).toBeUndefined();
  });
});
