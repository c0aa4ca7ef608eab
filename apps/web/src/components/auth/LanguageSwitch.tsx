'use client';

import { Button } from 'primereact/button';
import { useI18n } from '@/i18n';

/** Before login the language is this browser's choice; after login the account's. */
export function LanguageSwitch() {
  const { t, locale, setLocale } = useI18n();
  const other = locale === 'ar' ? 'en' : 'ar';
  return (
    <Button
      type="button"
      text
      icon="pi pi-globe"
      lang={other}
      label={t('topbar.switchLanguage')}
      aria-label={t('topbar.switchLanguageLabel')}
      onClick={() => setLocale(other)}
    />
  );
}
