'use client';

import { useState } from 'react';
import type { FormEvent } from 'react';
import { Button } from 'primereact/button';
import { Dialog } from 'primereact/dialog';
import { InputText } from 'primereact/inputtext';
import { SelectButton } from 'primereact/selectbutton';
import { apiFetch } from '@/lib/api';
import { isLocale, useI18n } from '@/i18n';
import type { Locale } from '@/i18n';
import { useFormSubmit } from '@/hooks/useFormSubmit';
import type { Role, User } from '@/auth/types';
import { RoleSelect } from './RoleSelect';

const LANGUAGES = [
  { value: 'en', label: 'English' },
  { value: 'ar', label: 'العربية' },
];

interface CreateUserDialogProps {
  visible: boolean;
  onHide(): void;
  onCreated(user: User): void;
}

/** Admin: a new user with a name, email, first password, role and language. */
export function CreateUserDialog({ visible, onHide, onCreated }: CreateUserDialogProps) {
  const { t, locale } = useI18n();
  const { pending, error, setError, run } = useFormSubmit();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('operator');
  const [userLocale, setUserLocale] = useState<Locale>(locale);

  const reset = () => {
    setName('');
    setEmail('');
    setPassword('');
    setRole('operator');
    setUserLocale(locale);
    setError(null);
  };
  const hide = () => {
    reset();
    onHide();
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    await run(async () => {
      const user = await apiFetch<User>('/api/users', { method: 'POST', body: { name, email, password, role, locale: userLocale } });
      onCreated(user);
      hide();
    });
  };

  return (
    <Dialog header={t('users.add')} visible={visible} onHide={hide} className="form-dialog" modal draggable={false}>
      <form onSubmit={(event) => void submit(event)} className="dialog-form">
        <div className="field">
          <label htmlFor="user-name">{t('users.name')}</label>
          <InputText id="user-name" name="name" value={name} required maxLength={100} autoComplete="off" onChange={(event) => setName(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="user-email">{t('users.email')}</label>
          <InputText id="user-email" name="email" type="email" dir="ltr" className="ltr-input" value={email} required autoComplete="off" onChange={(event) => setEmail(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="user-password">{t('users.password')}</label>
          <InputText
            id="user-password"
            name="password"
            type="password"
            dir="ltr"
            className="ltr-input"
            value={password}
            required
            minLength={10}
            autoComplete="new-password"
            aria-describedby="user-password-hint"
            onChange={(event) => setPassword(event.target.value)}
          />
          <small id="user-password-hint" className="field__hint">{t('users.passwordHint')}</small>
        </div>
        <RoleSelect value={role} onChange={setRole} />
        <fieldset className="field">
          <legend>{t('users.language')}</legend>
          <SelectButton
            value={userLocale}
            options={LANGUAGES}
            allowEmpty={false}
            onChange={(event) => {
              if (isLocale(event.value)) setUserLocale(event.value);
            }}
          />
        </fieldset>
        {error ? <p className="form-error" role="alert"><i className="pi pi-exclamation-triangle" aria-hidden="true" /> {error}</p> : null}
        <div className="form-actions">
          <Button type="button" text label={t('actions.cancel')} onClick={hide} />
          <Button type="submit" icon="pi pi-check" label={t('users.create')} loading={pending} disabled={!name.trim() || !email.trim() || password.length < 10} />
        </div>
      </form>
    </Dialog>
  );
}
