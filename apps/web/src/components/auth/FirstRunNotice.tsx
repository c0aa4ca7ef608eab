'use client';

import { useEffect, useState } from 'react';
import { apiFetch } from '@/lib/api';
import { useT } from '@/i18n';

const CREATE_ADMIN = 'npm run user:create -- --email you@example.com --role admin';

/**
 * On a fresh install nobody can log in yet: say how to create the first admin. The
 * server answers only "is a first admin needed"; when it can't be asked, nothing shows.
 */
export function FirstRunNotice() {
  const t = useT();
  const [needed, setNeeded] = useState(false);

  useEffect(() => {
    const controller = new AbortController();
    apiFetch<{ needsFirstAdmin: boolean }>('/api/auth/setup', { signal: controller.signal })
      .then((answer) => setNeeded(answer.needsFirstAdmin))
      .catch(() => undefined);
    return () => controller.abort();
  }, []);

  if (!needed) return null;
  return (
    <div className="notice notice--info login__first-run" role="status" data-first-run="true">
      <i className="pi pi-info-circle" aria-hidden="true" />
      <div>
        <strong>{t('login.firstRun.title')}</strong>
        <p>{t('login.firstRun.body')}</p>
        <code dir="ltr">{CREATE_ADMIN}</code>
        <p>{t('login.firstRun.env')}</p>
      </div>
    </div>
  );
}
