/**
 * Display names: what a participant calls themselves. A name is text from another browser: bounded here,
 * and never rendered as markup by the UI.
 */

/** Longer names are cut (in code points, so that no character is split). */
export const MAX_NAME_LENGTH = 40;

/** A name as shown: control characters gone, whitespace collapsed, cut; undefined when nothing is left. */
export function boundName(raw: string): string | undefined {
  // A 10 KB name costs no more than a short one: only its first characters are looked at.
  const head = raw.slice(0, MAX_NAME_LENGTH * 4);
  const clean = head
    .replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const cut = [...clean].slice(0, MAX_NAME_LENGTH).join('').trim();
  return cut === '' ? undefined : cut;
}

/** Up to two initials for the camera-off placeholder ("Ayşe Yılmaz" → "AY"). */
export function initials(name: string): string {
  const words = name.split(' ').filter((w) => w !== '');
  const letters = words.length > 1 ? [words[0]!, words[words.length - 1]!] : words.slice(0, 1);
  return letters
    .map((w) => [...w][0] ?? '')
    .join('')
    .toLocaleUpperCase();
}
