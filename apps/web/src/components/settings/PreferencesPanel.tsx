'use client';

import { SelectButton } from 'primereact/selectbutton';
import type { SelectItem } from 'primereact/selectitem';
import { useI18n } from '@/i18n';
import { isLocale } from '@/i18n';
import { useChangeLocale } from '@/auth/useChangeLocale';
import { useLayout } from '@/layout/LayoutProvider';
import { isTheme } from '@/layout/theme';
import type { Theme } from '@/layout/theme';

interface ThemeOption {
  value: Theme;
  label: string;
  icon: string;
}

const LANGUAGES: SelectItem[] = [
  { value: 'en', label: 'English' },
  { value: 'ar', label: 'العربية' },
];

/** Language (saved to the account) and theme (remembered in this browser). */
export function PreferencesPanel() {
  const { t, locale } = useI18n();
  const { changeLocale, saving } = useChangeLocale();
  const { theme, setTheme } = useLayout();
  const themes: ThemeOption[] = [
    { value: 'light', label: t('prefs.light'), icon: 'pi pi-sun' },
    { value: 'dark', label: t('prefs.dark'), icon: 'pi pi-moon' },
  ];

  return (
    <section className="card" aria-labelledby="prefs-title">
      <header className="card__header">
        <h2 id="prefs-title" className="card__title">
          <i className="pi pi-sliders-h" aria-hidden="true" />
          {t('prefs.title')}
        </h2>
      </header>
      <div className="prefs">
        <fieldset className="prefs__group" aria-busy={saving}>
          <legend>{t('prefs.language')}</legend>
          <SelectButton
            value={locale}
            options={LANGUAGES}
            allowEmpty={false}
            disabled={saving}
            itemTemplate={(option: SelectItem) => <span lang={String(option.value)}>{option.label}</span>}
            onChange={(event) => {
              if (isLocale(event.value)) void changeLocale(event.value);
            }}
          />
          <small className="field__hint">{t('prefs.languageHint')}</small>
        </fieldset>
        <fieldset className="prefs__group">
          <legend>{t('prefs.theme')}</legend>
          <SelectButton
            value={theme}
            options={themes}
            allowEmpty={false}
            itemTemplate={(option: ThemeOption) => (
              <span className="select-option">
                <i className={option.icon} aria-hidden="true" /> {option.label}
              </span>
            )}
            onChange={(event) => {
              if (isTheme(event.value)) setTheme(event.value);
            }}
          />
          <small className="field__hint">{t('prefs.themeHint')}</small>
        </fieldset>
      </div>
    </section>
  );
}
