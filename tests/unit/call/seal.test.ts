import { describe, expect, it } from 'vitest';
import { fromBase64Url, newId, toBase64Url } from '../../../src/call/ids.js';
import type { SignalData } from '../../../src/call/protocol.js';
import { deriveKey, seal, SealError, unseal, type SealedSignals } from '../../../src/call/seal.js';

const room = newId();
const secret = newId();
const host = room;
const guest = newId();
const signals: SignalData[] = [
  { type: 'offer', sdp: 'v=0\r\na=fingerprint:sha-256 AB:CD\r\n' },
  { type: 'candidate', candidate: { candidate: 'candidate:1 1 udp 1 10.0.0.1 5000 typ host', sdpMid: '0' } },
];
const body: SealedSignals = { from: guest, to: host, signals };

async function expectSealError(promise: Promise<unknown>, message: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SealError);
  expect((error as SealError).name).toBe('SealError');
  expect((error as SealError).message).toMatch(message);
}

describe('seal / unseal', () => {
  it('round-trips the signals between two keys derived from the same invite', async () => {
    const box = await seal(await deriveKey(secret, room), body);
    const opened = await unseal(await deriveKey(secret, room), box, { me: host, sender: guest });
    expect(opened).toEqual({ ...body, gen: 0 });
  });

  it('carries the ICE generation, reading a missing or malformed one as 0', async () => {
    const key = await deriveKey(secret, room);
    const open = async (gen: unknown) =>
      (await unseal(key, await seal(key, { ...body, gen } as SealedSignals), { me: host, sender: guest }))
        .gen;
    expect(await open(3)).toBe(3);
    expect(await open(-1)).toBe(0);
    expect(await open(1.5)).toBe(0);
    expect(await open('2')).toBe(0);
  });

  it('carries the hellos and the preview mark, and drops any other value of them', async () => {
    const key = await deriveKey(secret, room);
    const open = async (extra: Record<string, unknown>) =>
      unseal(key, await seal(key, { ...body, ...extra } as SealedSignals), { me: host, sender: guest });
    for (const hello of ['join', 'reply', 'preview'] as const)
      expect((await open({ hello })).hello).toBe(hello);
    expect((await open({ staged: true })).staged).toBe(true);
    for (const odd of [{ hello: 'leave' }, { hello: 1 }, { staged: 'yes' }, { staged: false }]) {
      const opened = await open(odd);
      expect(opened.hello).toBeUndefined();
      expect('staged' in opened).toBe(false);
    }
  });

  it('survives JSON on the wire and hides the SDP', async () => {
    const box = await seal(await deriveKey(secret, room), body);
    const wire = JSON.stringify(box);
    expect(Object.keys(box).sort()).toEqual(['ct', 'iv', 'v']);
    expect(box.v).toBe(1);
    expect(fromBase64Url(box.iv)).toHaveLength(12);
    expect(wire).not.toContain('fingerprint');
    expect(wire).not.toContain('candidate:');
    expect(wire).not.toContain(guest);
    const opened = await unseal(await deriveKey(secret, room), JSON.parse(wire), { me: host, sender: guest });
    expect(opened.signals).toEqual(signals);
  });

  it('uses a fresh IV for every box', async () => {
    const key = await deriveKey(secret, room);
    const a = await seal(key, body);
    const b = await seal(key, body);
    expect(a.iv).not.toBe(b.iv);
    expect(a.ct).not.toBe(b.ct);
  });

  it('refuses a box sealed with a different secret', async () => {
    const box = await seal(await deriveKey(newId(), room), body);
    await expectSealError(
      unseal(await deriveKey(secret, room), box, { me: host, sender: guest }),
      /wrong secret/,
    );
  });

  it('refuses a box sealed for another room (the room salts the key)', async () => {
    const box = await seal(await deriveKey(secret, newId()), body);
    await expectSealError(
      unseal(await deriveKey(secret, room), box, { me: host, sender: guest }),
      /wrong secret/,
    );
  });

  it('refuses a tampered ciphertext, IV or tag', async () => {
    const key = await deriveKey(secret, room);
    const box = await seal(key, body);
    const flip = (text: string, index: number) => {
      const bytes = fromBase64Url(text);
      bytes[index]! ^= 0x01;
      return toBase64Url(bytes);
    };
    const ctLength = fromBase64Url(box.ct).length;
    for (const tampered of [
      { ...box, ct: flip(box.ct, 0) },
      { ...box, ct: flip(box.ct, Math.floor(ctLength / 2)) },
      { ...box, ct: flip(box.ct, ctLength - 1) },
      { ...box, iv: flip(box.iv, 0) },
      { ...box, ct: toBase64Url(fromBase64Url(box.ct).slice(0, ctLength - 1)) },
    ]) {
      await expectSealError(unseal(key, tampered, { me: host, sender: guest }), /tampered/);
    }
  });

  it('refuses a box addressed to someone else', async () => {
    const key = await deriveKey(secret, room);
    const box = await seal(key, { from: guest, to: newId(), signals });
    await expectSealError(unseal(key, box, { me: host, sender: guest }), /not meant/);
  });

  it('refuses a box from someone other than the sender the server named', async () => {
    const key = await deriveKey(secret, room);
    const box = await seal(key, body);
    await expectSealError(unseal(key, box, { me: host, sender: newId() }), /not meant/);
  });

  it('refuses a box replayed back to its sender', async () => {
    const key = await deriveKey(secret, room);
    const box = await seal(key, body);
    await expectSealError(unseal(key, box, { me: guest, sender: host }), /not meant/);
  });

  it('refuses a box whose signals are not a list', async () => {
    const key = await deriveKey(secret, room);
    const box = await seal(key, { from: guest, to: host, signals: 'nope' as unknown as SignalData[] });
    await expectSealError(unseal(key, box, { me: host, sender: guest }), /not meant/);
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'sdp'],
    ['raw signals', { signals }],
    ['another version', { v: 2, iv: 'AAAAAAAAAAAAAAAA', ct: 'AAAA' }],
    ['a numeric iv', { v: 1, iv: 1, ct: 'AAAA' }],
  ])('refuses %s as not a sealed box', async (_, box) => {
    await expectSealError(
      unseal(await deriveKey(secret, room), box, { me: host, sender: guest }),
      /not a sealed box/,
    );
  });

  it('refuses an IV or ciphertext that is not base64url', async () => {
    const key = await deriveKey(secret, room);
    const box = await seal(key, body);
    await expectSealError(unseal(key, { ...box, ct: `${box.ct}*` }, { me: host, sender: guest }), /tampered/);
    await expectSealError(unseal(key, { ...box, iv: `${box.iv}=` }, { me: host, sender: guest }), /tampered/);
  });
});
