import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fileDigest } from '../../../../src/call/files/digest.js';
import { PIECE_BYTES } from '../../../../src/call/files/limits.js';

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest();
const digest = async (bytes: Uint8Array) => new Uint8Array(sha(bytes));
const piecesOf = (data: Uint8Array) => {
  const out: Promise<Uint8Array>[] = [];
  for (let at = 0; at < data.length; at += PIECE_BYTES) out.push(digest(data.subarray(at, at + PIECE_BYTES)));
  return out;
};

describe('fileDigest', () => {
  it('is SHA-256 over the pieces’ SHA-256 in order, as hex', async () => {
    const data = randomBytes(2 * PIECE_BYTES + 777);
    const expected = sha(
      Buffer.concat([0, 1, 2].map((i) => sha(data.subarray(i * PIECE_BYTES, (i + 1) * PIECE_BYTES)))),
    ).toString('hex');
    expect(await fileDigest(digest, piecesOf(data))).toBe(expected);
    expect(await fileDigest(digest, [])).toBe(sha(new Uint8Array(0)).toString('hex'));
  });

  it('changes with one flipped byte, and with pieces swapped', async () => {
    const data = randomBytes(2 * PIECE_BYTES);
    const before = await fileDigest(digest, piecesOf(data));
    const flipped = Buffer.from(data);
    flipped[PIECE_BYTES + 5]! ^= 1;
    expect(await fileDigest(digest, piecesOf(flipped))).not.toBe(before);
    const swapped = Buffer.concat([data.subarray(PIECE_BYTES), data.subarray(0, PIECE_BYTES)]);
    expect(await fileDigest(digest, piecesOf(swapped))).not.toBe(before);
  });
});
