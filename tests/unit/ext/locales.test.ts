import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const messages = (lang: string) =>
  JSON.parse(readFileSync(resolve(root, `assets/_locales/${lang}/messages.json`), 'utf8')) as Record<
    string,
    { message: string }
  >;

describe('the manifest in English and Turkish', () => {
  it('names only messages that both languages have, none of them empty', () => {
    const manifest = readFileSync(resolve(root, 'manifest.json'), 'utf8');
    const used = [...manifest.matchAll(/__MSG_(\w+)__/g)].map((m) => m[1]!);
    expect(used).toEqual(
      expect.arrayContaining(['extName', 'extDescription', 'actionTitle', 'commandStartCall']),
    );
    const [en, tr] = [messages('en'), messages('tr')];
    expect(Object.keys(tr).sort()).toEqual(Object.keys(en).sort());
    for (const key of used) {
      expect(en[key]?.message.trim(), `en ${key}`).toBeTruthy();
      expect(tr[key]?.message.trim(), `tr ${key}`).toBeTruthy();
    }
    // Turkish text, not a copy of the English (the brand name aside).
    expect(tr.extDescription!.message).not.toBe(en.extDescription!.message);
    expect(tr.commandStartCall!.message).toMatch(/Görüşme/);
    // Store limits: name ≤ 45, description ≤ 132 characters.
    for (const lang of [en, tr]) {
      expect(lang.extName!.message.length).toBeLessThanOrEqual(45);
      expect(lang.extDescription!.message.length).toBeLessThanOrEqual(132);
    }
  });
});
