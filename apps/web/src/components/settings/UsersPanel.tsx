'use client';

import { useState } from 'react';
import { Button } from 'primereact/button';
import { Column } from 'primereact/column';
import { DataTable } from 'primereact/datatable';
import { Tag } from 'primereact/tag';
import { apiFetch } from '@/lib/api';
import { useFormat, useT } from '@/i18n';
import { useErrorText } from '@/i18n/errors';
import { useCurrentUser } from '@/auth/CurrentUserProvider';
import type { User } from '@/auth/types';
import { useApiResource } from '@/hooks/useApiResource';
import { ErrorState } from '@/components/common/ErrorState';
import { LoadingRows } from '@/components/common/LoadingRows';
import { EmptyState } from '@/components/common/EmptyState';
import { useNotify } from '@/components/common/ToastProvider';
import { ConfirmDelete } from './ConfirmDelete';
import { CreateUserDialog } from './CreateUserDialog';
import { EditUserDialog } from './EditUserDialog';

const LANGUAGE_NAMES = { en: 'English', ar: 'العربية' } as const;

/** Admin: who can log in, with their role; add and delete users. */
export function UsersPanel() {
  const t = useT();
  const format = useFormat();
  const errorText = useErrorText();
  const notify = useNotify();
  const { me } = useCurrentUser();
  const { resource, reload, setData } = useApiResource<{ items: User[] }>('/api/users');
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<User | null>(null);
  const [editing, setEditing] = useState<User | null>(null);

  const remove = async (user: User) => {
    try {
      await apiFetch<void>(`/api/users/${encodeURIComponent(user.id)}`, { method: 'DELETE' });
      setData((data) => ({ items: data.items.filter((item) => item.id !== user.id) }));
      notify({ severity: 'success', summary: t('users.deleted.toast', { name: user.name }) });
    } catch (error) {
      notify({ severity: 'error', summary: errorText(error) });
    }
  };

  return (
    <section className="card" aria-labelledby="users-title">
      <header className="card__header">
        <h2 id="users-title" className="card__title">
          <i className="pi pi-users" aria-hidden="true" />
          {t('users.title')}
        </h2>
        <Button type="button" size="small" icon="pi pi-plus" label={t('users.add')} onClick={() => setCreating(true)} />
      </header>
      {resource.kind === 'loading' ? <LoadingRows rows={3} /> : null}
      {resource.kind === 'error' ? <ErrorState error={resource.error} onRetry={reload} /> : null}
      {resource.kind === 'ready' ? (
        <div className="table-scroll">
          <DataTable value={resource.data.items} dataKey="id" size="small" emptyMessage={<EmptyState icon="pi-users" text={t('users.empty')} />}>
            <Column
              header={t('users.name')}
              body={(user: User) => (
                <span className="cell-name">
                  {user.name}
                  {user.id === me.user?.id ? <Tag value={t('users.you')} severity="info" rounded /> : null}
                </span>
              )}
            />
            <Column header={t('users.email')} body={(user: User) => <bdi dir="ltr">{user.email}</bdi>} />
            <Column header={t('users.role')} body={(user: User) => <Tag value={t(`role.${user.role}`)} severity={user.role === 'admin' ? 'warning' : 'secondary'} />} />
            <Column header={t('users.language')} body={(user: User) => <span lang={user.locale}>{LANGUAGE_NAMES[user.locale]}</span>} />
            <Column header={t('users.created')} body={(user: User) => <time dateTime={user.createdAt}>{format.dateTime(user.createdAt)}</time>} />
            <Column
              headerClassName="column-actions"
              bodyClassName="column-actions"
              body={(user: User) => (
                <span className="row-actions">
                <Button
                  type="button"
                  text
                  rounded
                  icon="pi pi-pencil"
                  aria-label={t('users.edit', { name: user.name })}
                  tooltip={user.id === me.user?.id ? t('users.editSelf') : t('users.edit', { name: user.name })}
                  tooltipOptions={{ position: 'top', showOnDisabled: true }}
                  disabled={user.id === me.user?.id}
                  onClick={() => setEditing(user)}
                />
                <Button
                  type="button"
                  text
                  rounded
                  severity="danger"
                  icon="pi pi-trash"
                  aria-label={t('users.delete', { name: user.name })}
                  tooltip={t('users.delete', { name: user.name })}
                  tooltipOptions={{ position: 'top' }}
                  disabled={user.id === me.user?.id}
                  onClick={() => setDeleting(user)}
                />
                </span>
              )}
            />
          </DataTable>
        </div>
      ) : null}
      <CreateUserDialog
        visible={creating}
        onHide={() => setCreating(false)}
        onCreated={(user) => {
          setData((data) => ({ items: [...data.items, user] }));
          notify({ severity: 'success', summary: t('users.created.toast', { name: user.name }) });
        }}
      />
      <EditUserDialog
        user={editing}
        onHide={() => setEditing(null)}
        onSaved={(user, changed) => {
          setData((data) => ({ items: data.items.map((item) => (item.id === user.id ? user : item)) }));
          const key = changed.password ? (changed.role ? 'users.saved.both' : 'users.saved.password') : 'users.saved.role';
          notify({ severity: 'success', summary: t(key, { name: user.name, role: t(`role.${user.role}`) }) });
        }}
      />
      <ConfirmDelete
        visible={deleting !== null}
        header={t('users.deleteConfirmTitle')}
        message={deleting ? t('users.deleteConfirm', { name: deleting.name, email: deleting.email }) : ''}
        acceptLabel={t('users.deleteAccept')}
        onAccept={() => {
          if (deleting) void remove(deleting);
        }}
        onHide={() => setDeleting(null)}
      />
    </section>
  );
}
