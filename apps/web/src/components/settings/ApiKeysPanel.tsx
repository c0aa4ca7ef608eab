'use client';

import { useState } from 'react';
import { Button } from 'primereact/button';
import { Column } from 'primereact/column';
import { DataTable } from 'primereact/datatable';
import { Tag } from 'primereact/tag';
import { apiFetch } from '@/lib/api';
import { useFormat, useT } from '@/i18n';
import { useErrorText } from '@/i18n/errors';
import type { ApiKey } from '@/auth/types';
import { useApiResource } from '@/hooks/useApiResource';
import { EmptyState } from '@/components/common/EmptyState';
import { ErrorState } from '@/components/common/ErrorState';
import { LoadingRows } from '@/components/common/LoadingRows';
import { useNotify } from '@/components/common/ToastProvider';
import { ConfirmDelete } from './ConfirmDelete';
import { CreateApiKeyDialog } from './CreateApiKeyDialog';

/** Admin: keys for other systems; create (shown once) and revoke. */
export function ApiKeysPanel() {
  const t = useT();
  const format = useFormat();
  const errorText = useErrorText();
  const notify = useNotify();
  const { resource, reload, setData } = useApiResource<{ items: ApiKey[] }>('/api/api-keys');
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);

  const revoke = async (apiKey: ApiKey) => {
    try {
      await apiFetch<void>(`/api/api-keys/${encodeURIComponent(apiKey.id)}`, { method: 'DELETE' });
      const revokedAt = new Date().toISOString();
      setData((data) => ({ items: data.items.map((item) => (item.id === apiKey.id ? { ...item, revokedAt } : item)) }));
      notify({ severity: 'success', summary: t('keys.revoked.toast', { name: apiKey.name }) });
    } catch (error) {
      notify({ severity: 'error', summary: errorText(error) });
    }
  };

  return (
    <section className="card" aria-labelledby="keys-title">
      <header className="card__header">
        <h2 id="keys-title" className="card__title">
          <i className="pi pi-key" aria-hidden="true" />
          {t('keys.title')}
        </h2>
        <Button type="button" size="small" icon="pi pi-plus" label={t('keys.add')} onClick={() => setCreating(true)} />
      </header>
      <p className="muted">{t('keys.intro')}</p>
      {resource.kind === 'loading' ? <LoadingRows rows={2} /> : null}
      {resource.kind === 'error' ? <ErrorState error={resource.error} onRetry={reload} /> : null}
      {resource.kind === 'ready' ? (
        <div className="table-scroll">
          <DataTable value={resource.data.items} dataKey="id" size="small" emptyMessage={<EmptyState icon="pi-key" text={t('keys.empty')} />}>
            <Column header={t('keys.name')} field="name" />
            <Column header={t('keys.prefix')} body={(key: ApiKey) => <code dir="ltr">{key.prefix}…</code>} />
            <Column header={t('keys.role')} body={(key: ApiKey) => <Tag value={t(`role.${key.role}`)} severity={key.role === 'admin' ? 'warning' : 'secondary'} />} />
            <Column header={t('keys.created')} body={(key: ApiKey) => <time dateTime={key.createdAt}>{format.dateTime(key.createdAt)}</time>} />
            <Column
              header={t('keys.lastUsed')}
              body={(key: ApiKey) => (key.lastUsedAt ? <time dateTime={key.lastUsedAt}>{format.dateTime(key.lastUsedAt)}</time> : <span className="muted">{t('keys.never')}</span>)}
            />
            <Column
              header={t('keys.status')}
              body={(key: ApiKey) => (key.revokedAt ? <Tag value={t('keys.revoked')} severity="danger" /> : <Tag value={t('keys.active')} severity="success" />)}
            />
            <Column
              headerClassName="column-actions"
              bodyClassName="column-actions"
              body={(key: ApiKey) => (
                <Button
                  type="button"
                  text
                  rounded
                  severity="danger"
                  icon="pi pi-ban"
                  aria-label={t('keys.revoke', { name: key.name })}
                  tooltip={t('keys.revoke', { name: key.name })}
                  tooltipOptions={{ position: 'top' }}
                  disabled={key.revokedAt !== null}
                  onClick={() => setRevoking(key)}
                />
              )}
            />
          </DataTable>
        </div>
      ) : null}
      <CreateApiKeyDialog visible={creating} onHide={() => setCreating(false)} onCreated={(apiKey) => setData((data) => ({ items: [apiKey, ...data.items] }))} />
      <ConfirmDelete
        visible={revoking !== null}
        header={t('keys.revokeConfirmTitle')}
        message={revoking ? t('keys.revokeConfirm', { name: revoking.name }) : ''}
        acceptLabel={t('keys.revokeAccept')}
        onAccept={() => {
          if (revoking) void revoke(revoking);
        }}
        onHide={() => setRevoking(null)}
      />
    </section>
  );
}
