/**
 * The page's words: `text` is English until `useLanguage` picks the user's language, once, before the page
 * mounts (components read `text` when they render; a page does not change language while it is open).
 */
import { en, type Text } from './en.js';
import { pickLanguage, type Language } from './language.js';
import { tr } from './tr.js';

export type { Text } from './en.js';
export type { Language } from './language.js';

export const TEXTS: Readonly<Record<Language, Text>> = { en, tr };

export let text: Text = en;

/** What `useLanguage` marks: the page's <html> (its `lang`) and the document's title. */
export interface PageDocument {
  readonly documentElement: { lang: string };
  title: string;
}

/**
 * Picks the first of `preferred` (the browser's languages) that Diyalog speaks, English otherwise, sets
 * `lang` on the page (screen readers, hyphenation and case rules follow it) and titles it as `page`.
 */
export function useLanguage(
  preferred: readonly (string | undefined)[],
  doc?: PageDocument,
  page?: keyof Text['titles'],
): Language {
  const language = pickLanguage(preferred);
  text = TEXTS[language];
  if (doc) {
    doc.documentElement.lang = text.locale;
    if (page) doc.title = text.titles[page];
  }
  return language;
}
