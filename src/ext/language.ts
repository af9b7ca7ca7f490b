import browser from 'webextension-polyfill';
import { useLanguage, type Language, type Text } from '../ui/text/index.js';

/**
 * An extension page speaks the browser's own language (the one its menus and our manifest texts use),
 * then the page languages the user prefers, and English where Diyalog speaks none of them.
 */
export function useExtensionLanguage(page: keyof Text['titles']): Language {
  return useLanguage([browser.i18n.getUILanguage(), ...navigator.languages], document, page);
}
