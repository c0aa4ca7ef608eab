import { useContext } from 'react';
import { I18nContext } from './I18nProvider';
import type { I18nContextValue, Translate } from './I18nProvider';
import type { Formatters } from './format';

export { I18nProvider } from './I18nProvider';
export type { I18nContextValue, Translate, TranslationValues } from './I18nProvider';
export type { MessageKey } from './en';
export type { Formatters } from './format';
export { LOCALES, isLocale } from './locales';
export type { Locale } from './locales';

export function useI18n(): I18nContextValue {
  const value = useContext(I18nContext);
  if (!value) throw new Error('useI18n() must be used inside <I18nProvider>.');
  return value;
}

export function useT(): Translate {
  return useI18n().t;
}

export function useFormat(): Formatters {
  return useI18n().format;
}
