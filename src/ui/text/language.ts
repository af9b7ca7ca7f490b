/** The languages Diyalog speaks; English where the browser asks for none of them. */
export const LANGUAGES = ['en', 'tr'] as const;
export type Language = (typeof LANGUAGES)[number];

/**
 * The first of the browser's languages (BCP 47 tags, most wanted first: "tr-TR", "en-US", "tr") that
 * Diyalog speaks, by primary subtag; English when none is.
 */
export function pickLanguage(preferred: readonly (string | undefined)[]): Language {
  for (const tag of preferred) {
    const primary = tag?.split(/[-_]/)[0]?.toLowerCase();
    const found = LANGUAGES.find((language) => language === primary);
    if (found) return found;
  }
  return 'en';
}
