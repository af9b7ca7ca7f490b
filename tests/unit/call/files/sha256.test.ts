import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Sha256 } from '../../../../src/call/files/sha256.js';

describe('Sha256', () => {
  it('matches node:crypto for every length around block edges, fed in uneven pieces', () => {
    for (const length of [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 1000, 70_000]) {
      const data = randomBytes(length);
      const hash = new Sha256();
      for (let i = 0; i < length; i += 7 + (i % 61)) hash.update(data.subarray(i, i + 7 + (i % 61)));
      expect(hash.hex(), `length ${length}`).toBe(createHash('sha256').update(data).digest('hex'));
    }
  });
});
