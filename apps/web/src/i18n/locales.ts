import { en } from './en';
import type { Dictionary } from './en';

export const LOCALES = ['en', 'ar'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';

/** Where the chosen language is remembered for the login page (the account holds the real choice). */
export const LOCALE_STORAGE_KEY = 'wasla.locale';

/**
 * A language's words. English ships with every page (the static HTML is rendered in
 * it); Arabic is a chunk of its own, fetched when chosen, so English pages don't carry it.
 */
export function loadDictionary(locale: Locale): Promise<Dictionary> {
  return locale === 'en' ? Promise.resolve(en) : import('./ar').then((module) => module.ar);
}

export const ENGLISH: Dictionary = en;

export function isLocale(value: unknown): value is Locale {
  return value === 'en' || value === 'ar';
}

export function directionOf(locale: Locale): 'ltr' | 'rtl' {
  return locale === 'ar' ? 'rtl' : 'ltr';
}

export function readStoredLocale(): Locale | null {
  try {
    const stored = window.localStorage.getItem(LOCALE_STORAGE_KEY);
    return isLocale(stored) ? stored : null;
  } catch {
    return null;
  }
}

export function storeLocale(locale: Locale): void {
  try {
    window.localStorage.setItem(LOCALE_STORAGE_KEY, locale);
  } catch {
    // Storage can be unavailable (private mode, quota); the choice then lasts this visit.
  }
}
