'use client';

import { useState } from 'react';
import type { FormEvent } from 'react';
import { Button } from 'primereact/button';
import { InputText } from 'primereact/inputtext';
import { ApiError, apiFetch } from '@/lib/api';
import { useT } from '@/i18n';
import { useErrorText } from '@/i18n/errors';
import { useCurrentUser } from '@/auth/CurrentUserProvider';
import type { User } from '@/auth/types';
import { useNotify } from '@/components/common/ToastProvider';

/**
 * Change your own password: the current one, then the new one twice. The server
 * checks the new one's strength and ends every other login of yours; this one stays.
 */
export function PasswordPanel() {
  const t = useT();
  const errorText = useErrorText();
  const notify = useNotify();
  const { updateUser } = useCurrentUser();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeated, setRepeated] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const mismatch = repeated.length > 0 && next !== repeated;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (next !== repeated) return;
    setPending(true);
    setError(null);
    try {
      const user = await apiFetch<User>('/api/auth/me', { method: 'PATCH', body: { currentPassword: current, newPassword: next } });
      updateUser(user);
      setCurrent('');
      setNext('');
      setRepeated('');
      notify({ severity: 'success', summary: t('password.changed.toast') });
    } catch (caught) {
      // 401 here is the current password, not the login: say which.
      setError(caught instanceof ApiError && caught.code === 'invalid_credentials' ? t('password.wrongCurrent') : errorText(caught));
    } finally {
      setPending(false);
    }
  };

  return (
    <section className="card" aria-labelledby="password-title">
      <header className="card__header">
        <h2 id="password-title" className="card__title">
          <i className="pi pi-key" aria-hidden="true" />
          {t('password.title')}
        </h2>
      </header>
      <form className="dialog-form password-form" onSubmit={(event) => void submit(event)}>
        <div className="field">
          <label htmlFor="password-current">{t('password.current')}</label>
          <InputText id="password-current" name="currentPassword" type="password" dir="ltr" className="ltr-input" autoComplete="current-password" required value={current} onChange={(event) => setCurrent(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="password-new">{t('password.new')}</label>
          <InputText
            id="password-new"
            name="newPassword"
            type="password"
            dir="ltr"
            className="ltr-input"
            autoComplete="new-password"
            required
            minLength={10}
            aria-describedby="password-new-hint"
            value={next}
            onChange={(event) => setNext(event.target.value)}
          />
          <small id="password-new-hint" className="field__hint">{t('password.newHint')}</small>
        </div>
        <div className="field">
          <label htmlFor="password-repeat">{t('password.repeat')}</label>
          <InputText
            id="password-repeat"
            name="repeatPassword"
            type="password"
            dir="ltr"
            className="ltr-input"
            autoComplete="new-password"
            required
            invalid={mismatch}
            aria-describedby={mismatch ? 'password-mismatch' : undefined}
            value={repeated}
            onChange={(event) => setRepeated(event.target.value)}
          />
          {mismatch ? <small id="password-mismatch" className="field__hint field__hint--error">{t('password.mismatch')}</small> : null}
        </div>
        {error ? <p className="form-error" role="alert"><i className="pi pi-exclamation-triangle" aria-hidden="true" /> <span>{error}</span></p> : null}
        <div className="form-actions">
          <Button type="submit" icon="pi pi-check" label={t('password.submit')} loading={pending} disabled={!current || next.length < 10 || next !== repeated} />
        </div>
      </form>
    </section>
  );
}
