import { describe, expect, it } from 'vitest';
import { en } from '../../../../src/ui/text/en.js';
import { TEXTS, text, useLanguage } from '../../../../src/ui/text/index.js';
import { pickLanguage } from '../../../../src/ui/text/language.js';
import { tr } from '../../../../src/ui/text/tr.js';

/** Pieces that join text around something shown apart, empty where a language needs nothing there. */
const JOINS = ['welcome.start.afterButton', 'welcome.start.shortcutAfter'];

type Leaf = { path: string; value: unknown };

/** Every string, function and list in a text module, by its path ("share.problems.no-tab"). */
function leaves(value: unknown, path = ''): Leaf[] {
  if (value !== null && typeof value === 'object' && !Array.isArray(value))
    return Object.entries(value).flatMap(([key, v]) => leaves(v, path === '' ? key : `${path}.${key}`));
  return [{ path, value }];
}

describe('the text modules', () => {
  it('have the same keys in English and Turkish, of the same kinds, and no empty text', () => {
    const [english, turkish] = [leaves(en), leaves(tr)];
    expect(turkish.map((l) => l.path)).toEqual(english.map((l) => l.path));
    expect(english.length).toBeGreaterThan(200);
    for (const [i, { path, value }] of english.entries()) {
      const other = turkish[i]!.value;
      expect(typeof other, path).toBe(typeof value);
      if (typeof value === 'function') expect((other as () => unknown).length, path).toBe(value.length);
      if (Array.isArray(value)) expect((other as unknown[]).length, path).toBe(value.length);
      for (const [lang, v] of [
        ['en', value],
        ['tr', other],
      ] as const) {
        if (typeof v === 'string' && !JOINS.includes(path)) expect(v.trim(), `${lang} ${path}`).not.toBe('');
        // Lists hold text around something shown apart: only their ends may be empty.
        if (Array.isArray(v)) expect((v as string[]).join('').trim(), `${lang} ${path}`).not.toBe('');
      }
    }
  });

  it('say it in Turkish: only names and units read the same in both', () => {
    const [english, turkish] = [leaves(en), leaves(tr)];
    const same = english
      .filter((l, i) => typeof l.value === 'string' && l.value === turkish[i]!.value)
      .map((l) => l.path);
    expect(same).toEqual(['titles.popup']);
  });

  it('word numbers, percentages and counts for each language', () => {
    expect(en.quality.figure(6.42, '%', 1)).toBe('6.4 %');
    expect(tr.quality.figure(6.42, '%', 1)).toBe('%6,4');
    expect(en.quality.figure(1234, 'kbps')).toBe('1,234 kbps');
    expect(tr.quality.figure(1234, 'kbps')).toBe('1.234 kbps');
    expect(en.quality.figure(undefined, 'ms')).toBe('–');
    expect(en.history.participants(1)).toBe('1 participant');
    expect(en.history.participants(2)).toBe('2 participants');
    expect(tr.history.participants(2)).toBe('2 katılımcı');
    expect(en.history.reconnects(1)).toBe('1 reconnect');
    expect(tr.history.percent(0.5)).toBe('%50');
    expect(tr.status.reconnecting(12)).toBe('Yeniden bağlanıyor… (12 sn)');
    expect(en.chat.undelivered(['Ayla', 'Bora', 'Can'])).toMatch(/^Not delivered to Ayla, Bora, and Can yet/);
    expect(tr.chat.undelivered(['Ayla', 'Bora', 'Can'])).toMatch(/^Henüz iletilmedi: Ayla, Bora ve Can/);
    // A title needs no Turkish case ending where it stands.
    expect(tr.share.question(' Rapor ', 'tab')).toBe('‘Rapor’ görüşmede paylaşılsın mı?');
    expect(tr.share.question('  ', 'tab')).toBe('Bu sekme görüşmede paylaşılsın mı?');
  });
});

describe('pickLanguage', () => {
  it.each([
    [['tr-TR', 'en-US'], 'tr'],
    [['tr'], 'tr'],
    [['TR_tr'], 'tr'],
    [['de-DE', 'tr', 'en'], 'tr'],
    [['en-GB', 'tr'], 'en'],
    [['de-DE', 'fr'], 'en'],
    [[], 'en'],
    [[undefined, ''], 'en'],
    [['trk'], 'en'],
  ] as const)('%j → %s', (preferred, language) => {
    expect(pickLanguage(preferred)).toBe(language);
  });
});

describe('useLanguage', () => {
  it('switches the words, marks the page and titles it; English for a language Diyalog does not speak', () => {
    const doc = { documentElement: { lang: 'en' }, title: '' };
    expect(useLanguage(['tr-TR'], doc, 'join')).toBe('tr');
    expect(text).toBe(TEXTS.tr);
    expect(doc).toEqual({ documentElement: { lang: 'tr' }, title: 'Diyalog görüşmesine katılın' });
    expect(useLanguage(['ja'], doc, 'join')).toBe('en');
    expect(text).toBe(en);
    expect(doc).toEqual({ documentElement: { lang: 'en' }, title: 'Join a Diyalog call' });
  });
});
