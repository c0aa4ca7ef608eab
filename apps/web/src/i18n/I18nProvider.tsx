'use client';

import { createContext, useCallback, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import type { Dictionary, MessageKey } from './en';
import { createFormatters } from './format';
import type { Formatters } from './format';
import { DEFAULT_LOCALE, ENGLISH, directionOf, loadDictionary, readStoredLocale, storeLocale } from './locales';
import type { Locale } from './locales';

export type TranslationValues = Record<string, string | number>;
export type Translate = (key: MessageKey, values?: TranslationValues) => string;

export interface I18nContextValue {
  locale: Locale;
  dir: 'ltr' | 'rtl';
  /** Switches the language at once and remembers it in this browser. */
  setLocale(locale: Locale): void;
  t: Translate;
  format: Formatters;
}

export const I18nContext = createContext<I18nContextValue | null>(null);

// A value dropped into a sentence is isolated so it keeps its own direction: a name by
// its first strong letter (First Strong Isolate), a number or phone number, which has no
// letters, left to right (Left-to-Right Isolate), so "+966 55…" stays as written in Arabic.
const FSI = '\u2068';
const LRI = '\u2066';
const PDI = '\u2069';
const HAS_LETTER = /\p{L}/u;

function interpolate(template: string, values: TranslationValues | undefined): string {
  if (!values) return template;
  return template.replace(/\{(\w+)\}/g, (match, name: string) => {
    const value = values[name];
    if (value === undefined) return match;
    const text = String(value);
    return `${HAS_LETTER.test(text) ? FSI : LRI}${text}${PDI}`;
  });
}

export function I18nProvider({ children }: { children: ReactNode }) {
  // The static HTML is rendered in the default language; the boot script in the root
  // layout has already set <html lang dir> from storage and hidden the body until the
  // stored language is applied here — once its words have arrived, for Arabic.
  const [locale, setLocaleState] = useState<Locale>(DEFAULT_LOCALE);
  const [restored, setRestored] = useState(false);
  // A language whose words are on their way: the page stays as it is (hidden on first load) until they arrive.
  const [loading, setLoading] = useState<Locale | null>(null);
  const dictionaries = useRef<Partial<Record<Locale, Dictionary>>>({ en: ENGLISH });
  const wanted = useRef<Locale>(DEFAULT_LOCALE);

  const show = useCallback((next: Locale) => {
    wanted.current = next;
    if (dictionaries.current[next]) {
      setLoading(null);
      setLocaleState(next);
      return;
    }
    setLoading(next);
    loadDictionary(next)
      .then((dictionary) => {
        dictionaries.current[next] = dictionary;
        if (wanted.current !== next) return;
        setLocaleState(next);
        setLoading(null);
      })
      // The chunk could not be fetched (offline, a deploy replaced it): stay in the language we have.
      .catch(() => setLoading((current) => (current === next ? null : current)));
  }, []);

  useLayoutEffect(() => {
    const stored = readStoredLocale();
    if (stored) show(stored);
    setRestored(true);
  }, [show]);

  useLayoutEffect(() => {
    if (!restored || loading) return;
    const root = document.documentElement;
    root.lang = locale;
    root.dir = directionOf(locale);
    root.classList.remove('i18n-pending');
  }, [locale, restored, loading]);

  const setLocale = useCallback(
    (next: Locale) => {
      show(next);
      storeLocale(next);
    },
    [show],
  );

  const value = useMemo<I18nContextValue>(() => {
    const dictionary = dictionaries.current[locale] ?? ENGLISH;
    return {
      locale,
      dir: directionOf(locale),
      setLocale,
      t: (key, values) => interpolate(dictionary[key], values),
      format: createFormatters(locale),
    };
  }, [locale, setLocale]);

  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}
