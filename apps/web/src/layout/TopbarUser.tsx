'use client';

import { useState } from 'react';
import { useRouter } from 'next/navigation';
import { Button } from 'primereact/button';
import { apiFetch } from '@/lib/api';
import { useT } from '@/i18n';
import { useCurrentUser } from '@/auth/CurrentUserProvider';

/** Who is signed in, their role, and the way out. */
export function TopbarUser() {
  const t = useT();
  const router = useRouter();
  const { me } = useCurrentUser();
  const [leaving, setLeaving] = useState(false);

  const logout = async () => {
    setLeaving(true);
    try {
      await apiFetch<void>('/api/auth/logout', { method: 'POST' });
    } catch {
      // Leaving anyway: the login page is the right place whether or not the cookie was cleared.
    }
    router.replace('/login');
  };

  return (
    <div className="topbar-user">
      <span className="topbar-user__avatar" aria-hidden="true">{me.name.trim().charAt(0).toUpperCase() || '?'}</span>
      <span className="topbar-user__who">
        <span className="topbar-user__name">{me.name}</span>
        <span className="topbar-user__role">{t(`role.${me.role}`)}</span>
      </span>
      <Button
        type="button"
        text
        rounded
        icon="pi pi-sign-out icon-directional"
        aria-label={t('topbar.logout')}
        tooltip={t('topbar.logout')}
        tooltipOptions={{ position: 'bottom' }}
        loading={leaving}
        onClick={() => void logout()}
      />
    </div>
  );
}
