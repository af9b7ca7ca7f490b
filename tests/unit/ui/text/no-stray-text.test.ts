import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../../../src');

function files(dir: string, suffix: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return files(path, suffix);
    return suffix.test(entry.name) ? [path] : [];
  });
}

/** Words that read the same in every language (the brand). */
const SAME_IN_EVERY_LANGUAGE = /^(Diyalog)$/;

/** The text a user would read in a component's markup, outside `{expressions}`. */
function strayMarkupText(source: string): string[] {
  let markup = source
    .replace(/<script[\s\S]*?<\/script>/g, '')
    .replace(/<style[\s\S]*?<\/style>/g, '')
    .replace(/<!--[\s\S]*?-->/g, '');
  // Expressions, innermost first (they may hold braces of their own).
  for (let before = ''; before !== markup;) {
    before = markup;
    markup = markup.replace(/\{[^{}]*\}/g, '');
  }
  const texts = [...markup.matchAll(/>([^<>]+)</g)].map((m) => m[1]!.trim());
  const attributes = [
    ...markup.matchAll(/\s(?:aria-label|title|placeholder|alt|label|offText)="([^"]*)"/g),
  ].map((m) => m[1]!.trim());
  return [...texts, ...attributes].filter((t) => /\p{L}/u.test(t) && !SAME_IN_EVERY_LANGUAGE.test(t));
}

/** Sentences in quotes inside a component's or a rune store's code ('Starting your camera…'). */
function straySentences(code: string): string[] {
  const noComments = code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  return [...noComments.matchAll(/(['`])([A-Z][a-z]+ [a-z][^'`\n]*)\1/g)].map((m) => m[2]!);
}

describe('user-facing text lives in src/ui/text/', () => {
  it('no component shows words of its own', () => {
    const stray = files(SRC, /\.svelte$/).flatMap((path) =>
      strayMarkupText(readFileSync(path, 'utf8')).map((t) => `${relative(SRC, path)}: ${t}`),
    );
    expect(stray, 'move these words into src/ui/text/en.ts and tr.ts').toEqual([]);
  });

  it('no component or store builds sentences in its code', () => {
    const stray = files(SRC, /\.svelte(\.ts)?$/).flatMap((path) => {
      const source = readFileSync(path, 'utf8');
      const code = path.endsWith('.svelte')
        ? [...source.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n')
        : source;
      return straySentences(code).map((t) => `${relative(SRC, path)}: ${t}`);
    });
    expect(stray, 'move these words into src/ui/text/en.ts and tr.ts').toEqual([]);
  });

  it('finds words where they are', () => {
    expect(strayMarkupText('<p>Hello <b>{name}</b>, welcome</p><img alt="A cat" />')).toEqual([
      'Hello',
      ', welcome',
      'A cat',
    ]);
    expect(strayMarkupText('<h1>Diyalog</h1><p>{text.a} – {b ? `x ${c}` : {d: 1}}</p>')).toEqual([]);
    expect(straySentences("const a = 'Starting your camera…'; // 'Not this one'\nconst b = 'ok';")).toEqual([
      'Starting your camera…',
    ]);
  });
});
