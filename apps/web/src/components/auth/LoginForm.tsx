'use client';

import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { useRouter } from 'next/navigation';
import { Button } from 'primereact/button';
import { InputText } from 'primereact/inputtext';
import { apiFetch } from '@/lib/api';
import { returnPath } from '@/lib/return-path';
import { useSession } from '@/session';
import { useI18n } from '@/i18n';
import { useFormSubmit } from '@/hooks/useFormSubmit';
import type { Me, User } from '@/auth/types';

/** Leaves for `?next=` (a full page load: it may be outside the dashboard), or the dashboard. */
function goOn(router: ReturnType<typeof useRouter>): void {
  const next = returnPath(window.location.search, window.location.origin);
  if (next) window.location.assign(next);
  else router.replace('/');
}

/** Email and password; on success the account's language applies and the dashboard (or `?next=`) opens. */
export function LoginForm() {
  const { t, setLocale } = useI18n();
  const { pending, error, setError, run } = useFormSubmit();
  const router = useRouter();
  const refreshSession = useSession((session) => session.refreshSession);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');

  // Already signed in (another tab, a bookmark): go straight to the dashboard.
  useEffect(() => {
    const controller = new AbortController();
    apiFetch<Me>('/api/auth/me', { signal: controller.signal })
      .then(() => goOn(router))
      .catch(() => undefined);
    return () => controller.abort();
  }, [router]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!email.trim() || !password) {
      setError(t('login.missing'));
      return;
    }
    // Stays disabled after success: the dashboard is opening.
    await run(async () => {
      const { user } = await apiFetch<{ user: User }>('/api/auth/login', { method: 'POST', body: { email: email.trim(), password } });
      setLocale(user.locale);
      // The session library may have stopped after the login was lost; have it read the state again.
      refreshSession().catch(() => undefined);
      goOn(router);
    }, { keepPending: true });
  };

  return (
    <form className="login__form" onSubmit={(event) => void submit(event)} noValidate>
      <div className="field">
        <label htmlFor="login-email">{t('login.email')}</label>
        <InputText
          id="login-email"
          name="email"
          type="email"
          dir="ltr"
          className="ltr-input"
          autoComplete="username"
          required
          value={email}
          invalid={error !== null}
          aria-describedby={error ? 'login-error' : undefined}
          onChange={(event) => setEmail(event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="login-password">{t('login.password')}</label>
        <InputText
          id="login-password"
          name="password"
          type="password"
          dir="ltr"
          className="ltr-input"
          autoComplete="current-password"
          required
          value={password}
          invalid={error !== null}
          aria-describedby={error ? 'login-error' : undefined}
          onChange={(event) => setPassword(event.target.value)}
        />
      </div>
      {error ? (
        <p id="login-error" className="form-error" role="alert">
          <i className="pi pi-exclamation-triangle" aria-hidden="true" /> {error}
        </p>
      ) : null}
      <Button type="submit" className="login__submit" label={pending ? t('login.submitting') : t('login.submit')} icon="pi pi-sign-in icon-directional" loading={pending} />
    </form>
  );
}
