import { MAX_FILE_NAME } from './limits.js';

export const TRANSFER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** A file name from another browser, as shown and saved: no control characters or path, cut; undefined if empty. */
export function fileName(raw: string): string | undefined {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  const controls = /[\u0000-\u001f\u007f]/g;
  const cleaned = raw
    .slice(0, MAX_FILE_NAME * 2)
    .replace(controls, '')
    .replace(/[\\/]/g, '_');
  const cut = [...cleaned].slice(0, MAX_FILE_NAME).join('').trim();
  return cut === '' ? undefined : cut;
}
