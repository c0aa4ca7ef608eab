'use client';

import { useState } from 'react';
import type { FormEvent } from 'react';
import { Button } from 'primereact/button';
import { Dialog } from 'primereact/dialog';
import { InputText } from 'primereact/inputtext';
import { apiFetch } from '@/lib/api';
import { useT } from '@/i18n';
import { useFormSubmit } from '@/hooks/useFormSubmit';
import type { ApiKey, Role } from '@/auth/types';
import { RoleSelect } from './RoleSelect';

interface CreateApiKeyDialogProps {
  visible: boolean;
  onHide(): void;
  onCreated(apiKey: ApiKey): void;
}

/**
 * Admin: names a new key, then shows the key itself exactly once. Closing the dialog
 * drops it from memory; the server keeps only a hash.
 */
export function CreateApiKeyDialog({ visible, onHide, onCreated }: CreateApiKeyDialogProps) {
  const t = useT();
  const { pending, error, setError, run } = useFormSubmit();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('operator');
  const [secret, setSecret] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);

  const reset = () => {
    setName('');
    setRole('operator');
    setError(null);
    setSecret(null);
    setCopied(false);
  };
  const hide = () => {
    reset();
    onHide();
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    await run(async () => {
      const created = await apiFetch<{ key: string; apiKey: ApiKey }>('/api/api-keys', { method: 'POST', body: { name, role } });
      setSecret(created.key);
      onCreated(created.apiKey);
    });
  };

  const copy = async () => {
    if (!secret) return;
    try {
      await navigator.clipboard.writeText(secret);
      setCopied(true);
    } catch {
      // Clipboard access can be refused (plain http, permissions); the key stays selectable.
    }
  };

  return (
    <Dialog header={secret ? t('keys.showOnceTitle') : t('keys.add')} visible={visible} onHide={hide} className="form-dialog" modal draggable={false} closable={!secret}>
      {secret ? (
        <div className="dialog-form">
          <p className="notice notice--warn"><i className="pi pi-exclamation-triangle" aria-hidden="true" /> {t('keys.showOnce')}</p>
          <div className="secret">
            <code className="secret__value" dir="ltr" aria-label={t('keys.showOnceTitle')}>{secret}</code>
            <Button type="button" outlined icon={copied ? 'pi pi-check' : 'pi pi-copy'} label={copied ? t('keys.copied') : t('keys.copy')} onClick={() => void copy()} />
          </div>
          <div className="form-actions">
            <Button type="button" label={t('keys.done')} onClick={hide} autoFocus />
          </div>
        </div>
      ) : (
        <form onSubmit={(event) => void submit(event)} className="dialog-form">
          <div className="field">
            <label htmlFor="key-name">{t('keys.name')}</label>
            <InputText id="key-name" name="name" value={name} required maxLength={100} autoComplete="off" onChange={(event) => setName(event.target.value)} />
          </div>
          <RoleSelect value={role} onChange={setRole} />
          {error ? <p className="form-error" role="alert"><i className="pi pi-exclamation-triangle" aria-hidden="true" /> {error}</p> : null}
          <div className="form-actions">
            <Button type="button" text label={t('actions.cancel')} onClick={hide} />
            <Button type="submit" icon="pi pi-key" label={t('keys.create')} loading={pending} disabled={!name.trim()} />
          </div>
        </form>
      )}
    </Dialog>
  );
}
