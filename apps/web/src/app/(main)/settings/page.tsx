'use client';

import { useT } from '@/i18n';
import { usePageTitle } from '@/hooks/usePageTitle';
import { useCurrentUser } from '@/auth/CurrentUserProvider';
import { PreferencesPanel } from '@/components/settings/PreferencesPanel';
import { PasswordPanel } from '@/components/settings/PasswordPanel';
import { UsersPanel } from '@/components/settings/UsersPanel';
import { ApiKeysPanel } from '@/components/settings/ApiKeysPanel';
import { OptOutsPanel } from '@/components/settings/OptOutsPanel';

export default function SettingsPage() {
  const t = useT();
  usePageTitle(t('settings.title'));
  const { isAdmin, me } = useCurrentUser();
  return (
    <div className="page">
      <h1 className="page__title">{t('settings.title')}</h1>
      <div className="settings-stack">
        <PreferencesPanel />
        {me.user ? <PasswordPanel /> : null}
        <OptOutsPanel />
        {isAdmin ? (
          <>
            <UsersPanel />
            <ApiKeysPanel />
          </>
        ) : (
          <p className="notice notice--info">
            <i className="pi pi-lock" aria-hidden="true" /> {t('settings.adminOnly')}
          </p>
        )}
      </div>
    </div>
  );
}
