'use client';

import Link from 'next/link';
import { Button } from 'primereact/button';
import { useI18n } from '@/i18n';
import { SessionStatusBadge } from '@/components/session/SessionStatusBadge';
import { ConnectionHealth } from '@/components/session/ConnectionHealth';
import { LinkedNumber } from '@/components/session/LinkedNumber';
import { useChangeLocale } from '@/auth/useChangeLocale';
import { useLayout } from './LayoutProvider';
import { TopbarUser } from './TopbarUser';

/** Logo, menu button, the session and connection status, and quick preferences. */
export function AppTopbar() {
  const { t, locale } = useI18n();
  const { theme, setTheme, toggleMenu, menuHidden, menuOpen } = useLayout();
  const { changeLocale, saving } = useChangeLocale();
  return (
    <header className="layout-topbar">
      <Link href="/" className="layout-topbar__logo">
        <i className="pi pi-whatsapp" aria-hidden="true" />
        <span>{t('app.name')}</span>
      </Link>
      <button
        type="button"
        className="layout-topbar__button"
        aria-label={t('topbar.toggleMenu')}
        aria-controls="app-sidebar"
        aria-expanded={menuOpen || !menuHidden}
        onClick={toggleMenu}
      >
        <i className="pi pi-bars" aria-hidden="true" />
      </button>
      <div className="layout-topbar__status" aria-label={t('topbar.sessionLabel')}>
        <SessionStatusBadge />
        <LinkedNumber />
        <ConnectionHealth />
      </div>
      <div className="layout-topbar__actions">
        <Button
          type="button"
          text
          className="layout-topbar__text-button"
          lang={locale === 'ar' ? 'en' : 'ar'}
          label={t('topbar.switchLanguage')}
          aria-label={t('topbar.switchLanguageLabel')}
          disabled={saving}
          onClick={() => void changeLocale(locale === 'ar' ? 'en' : 'ar')}
        />
        <Button
          type="button"
          text
          rounded
          icon={theme === 'dark' ? 'pi pi-sun' : 'pi pi-moon'}
          aria-label={theme === 'dark' ? t('topbar.themeToLight') : t('topbar.themeToDark')}
          onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}
        />
        <TopbarUser />
      </div>
    </header>
  );
}
