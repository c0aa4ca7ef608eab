'use client';

import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { Button } from 'primereact/button';
import { Dialog } from 'primereact/dialog';
import { InputText } from 'primereact/inputtext';
import { apiFetch } from '@/lib/api';
import { useT } from '@/i18n';
import { useFormSubmit } from '@/hooks/useFormSubmit';
import type { Role, User } from '@/auth/types';
import { RoleSelect } from './RoleSelect';

interface EditUserDialogProps {
  /** The user being changed; the dialog is open while this is set. */
  user: User | null;
  onHide(): void;
  onSaved(user: User, changed: { role: boolean; password: boolean }): void;
}

/**
 * Admin: change another user's role, or set a new password for them (someone who forgot
 * theirs). Either ends or narrows what that user holds open, at once. Not for yourself:
 * your own role stays, and your own password is changed with the current one.
 */
export function EditUserDialog({ user, onHide, onSaved }: EditUserDialogProps) {
  const t = useT();
  const { pending, error, setError, run } = useFormSubmit();
  const [role, setRole] = useState<Role>('operator');
  const [password, setPassword] = useState('');

  useEffect(() => {
    if (!user) return;
    setRole(user.role);
    setPassword('');
    setError(null);
  }, [user, setError]);

  const roleChanged = user !== null && role !== user.role;
  const passwordSet = password.length > 0;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!user) return;
    await run(async () => {
      const body = { ...(roleChanged ? { role } : {}), ...(passwordSet ? { password } : {}) };
      const saved = await apiFetch<User>(`/api/users/${encodeURIComponent(user.id)}`, { method: 'PATCH', body });
      onSaved(saved, { role: roleChanged, password: passwordSet });
      onHide();
    });
  };

  return (
    <Dialog header={user ? t('users.edit', { name: user.name }) : ''} visible={user !== null} onHide={onHide} className="form-dialog" modal draggable={false}>
      {user ? (
        <form onSubmit={(event) => void submit(event)} className="dialog-form">
          <p className="muted edit-user__who">
            <bdi>{user.name}</bdi> · <bdi dir="ltr">{user.email}</bdi>
          </p>
          <RoleSelect value={role} onChange={setRole} />
          <div className="field">
            <label htmlFor="edit-user-password">{t('users.newPassword')}</label>
            <InputText
              id="edit-user-password"
              name="newPassword"
              type="password"
              dir="ltr"
              className="ltr-input"
              value={password}
              minLength={10}
              autoComplete="new-password"
              aria-describedby="edit-user-password-hint"
              onChange={(event) => setPassword(event.target.value)}
            />
            <small id="edit-user-password-hint" className="field__hint">{t('users.newPasswordHint')}</small>
          </div>
          {error ? <p className="form-error" role="alert"><i className="pi pi-exclamation-triangle" aria-hidden="true" /> <span>{error}</span></p> : null}
          <div className="form-actions">
            <Button type="button" text label={t('actions.cancel')} onClick={onHide} />
            <Button type="submit" icon="pi pi-check" label={t('users.save')} loading={pending} disabled={!(roleChanged || passwordSet) || (passwordSet && password.length < 10)} />
          </div>
        </form>
      ) : null}
    </Dialog>
  );
}
