'use client';

import { useCallback, useState } from 'react';
import type { FormEvent } from 'react';
import { Button } from 'primereact/button';
import { Column } from 'primereact/column';
import { DataTable } from 'primereact/datatable';
import { Dialog } from 'primereact/dialog';
import { Tag } from 'primereact/tag';
import type { Suppression } from '@wasla/protocol';
import { apiFetch } from '@/lib/api';
import type { Page } from '@/lib/campaigns';
import { checkPhone, formatPhone } from '@/lib/phone';
import { useFormat, useT } from '@/i18n';
import { useErrorText } from '@/i18n/errors';
import { useCurrentUser } from '@/auth/CurrentUserProvider';
import { useCursorList } from '@/hooks/useCursorList';
import { useFormSubmit } from '@/hooks/useFormSubmit';
import { EmptyState } from '@/components/common/EmptyState';
import { ErrorState } from '@/components/common/ErrorState';
import { LoadingRows } from '@/components/common/LoadingRows';
import { PhoneNumberField } from '@/components/common/PhoneNumberField';
import { useNotify } from '@/components/common/ToastProvider';
import { ConfirmDelete } from './ConfirmDelete';

const PAGE_SIZE = 50;
const phoneKey = (suppression: Suppression) => suppression.phone;

/**
 * The opt-out list: numbers that replied STOP (إيقاف, الغاء) and numbers staff added. No
 * campaign or message reaches them. Anyone may add a number; only an admin may take one off.
 */
export function OptOutsPanel() {
  const t = useT();
  const format = useFormat();
  const errorText = useErrorText();
  const notify = useNotify();
  const { isAdmin } = useCurrentUser();
  const fetchPage = useCallback(
    (cursor: string | null, signal: AbortSignal) => apiFetch<Page<Suppression>>(`/api/suppressions?limit=${PAGE_SIZE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { signal }),
    [],
  );
  const { state, reload, loadMore } = useCursorList(fetchPage, phoneKey, 'opt-outs');
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<Suppression | null>(null);

  const remove = async (suppression: Suppression) => {
    try {
      await apiFetch<void>(`/api/suppressions/${encodeURIComponent(suppression.phone)}`, { method: 'DELETE' });
      reload({ keep: true });
      notify({ severity: 'success', summary: t('optOuts.removed', { phone: formatPhone(suppression.phone) }) });
    } catch (error) {
      notify({ severity: 'error', summary: errorText(error) });
    }
  };

  return (
    <section className="card" aria-labelledby="opt-outs-title" aria-busy={state.phase === 'loading'}>
      <header className="card__header">
        <h2 id="opt-outs-title" className="card__title">
          <i className="pi pi-ban" aria-hidden="true" />
          {t('optOuts.title')}
        </h2>
        <Button type="button" size="small" icon="pi pi-plus" label={t('optOuts.add')} onClick={() => setAdding(true)} />
      </header>
      <p className="muted panel-intro">{t('optOuts.intro')}</p>
      {state.phase === 'loading' ? <LoadingRows rows={2} /> : null}
      {state.phase === 'error' ? <ErrorState error={state.error} onRetry={() => reload()} /> : null}
      {state.phase === 'ready' ? (
        <div className="table-scroll">
          <DataTable value={state.items} dataKey="phone" size="small" emptyMessage={<EmptyState icon="pi-ban" text={t('optOuts.empty')} />}>
            <Column header={t('optOuts.phone')} body={(item: Suppression) => <bdi dir="ltr" className="phone-number">{formatPhone(item.phone)}</bdi>} />
            <Column header={t('optOuts.source')} body={(item: Suppression) => <Tag severity={item.source === 'reply' ? 'info' : 'secondary'} value={t(item.source === 'reply' ? 'optOuts.replied' : 'optOuts.manual')} />} />
            <Column header={t('optOuts.since')} body={(item: Suppression) => <time dateTime={item.createdAt}>{format.dateTime(item.createdAt)}</time>} />
            {isAdmin ? (
              <Column
                headerClassName="column-actions"
                bodyClassName="column-actions"
                body={(item: Suppression) => (
                  <Button
                    type="button"
                    text
                    rounded
                    severity="danger"
                    icon="pi pi-trash"
                    aria-label={t('optOuts.remove', { phone: formatPhone(item.phone) })}
                    tooltip={t('optOuts.remove', { phone: formatPhone(item.phone) })}
                    tooltipOptions={{ position: 'top' }}
                    onClick={() => setRemoving(item)}
                  />
                )}
              />
            ) : null}
          </DataTable>
          {state.nextCursor ? (
            <div className="list-more">
              <Button type="button" outlined icon="pi pi-angle-down" label={t('optOuts.more')} loading={state.loadingMore} onClick={loadMore} />
            </div>
          ) : null}
        </div>
      ) : null}
      <AddOptOutDialog
        visible={adding}
        onHide={() => setAdding(false)}
        onAdded={(suppression) => {
          reload({ keep: true });
          notify({ severity: 'success', summary: t('optOuts.added', { phone: formatPhone(suppression.phone) }) });
        }}
      />
      <ConfirmDelete
        visible={removing !== null}
        header={t('optOuts.removeConfirmTitle')}
        message={removing ? t('optOuts.removeConfirm', { phone: formatPhone(removing.phone) }) : ''}
        acceptLabel={t('optOuts.removeAccept')}
        onAccept={() => {
          if (removing) void remove(removing);
        }}
        onHide={() => setRemoving(null)}
      />
    </section>
  );
}

function AddOptOutDialog({ visible, onHide, onAdded }: { visible: boolean; onHide(): void; onAdded(suppression: Suppression): void }) {
  const t = useT();
  const { pending, error, setError, run } = useFormSubmit();
  const [phone, setPhone] = useState('');
  const check = checkPhone(phone);
  const hide = () => {
    setPhone('');
    setError(null);
    onHide();
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (check.kind !== 'valid') return;
    await run(async () => {
      onAdded(await apiFetch<Suppression>('/api/suppressions', { method: 'POST', body: { phone: check.e164 } }));
      hide();
    });
  };
  return (
    <Dialog header={t('optOuts.add')} visible={visible} onHide={hide} className="form-dialog" modal draggable={false}>
      <form onSubmit={(event) => void submit(event)} className="dialog-form">
        <p className="muted">{t('optOuts.addIntro')}</p>
        <PhoneNumberField id="opt-out-phone" name="phone" label={t('optOuts.phone')} value={phone} check={check} onChange={setPhone} validKey="optOuts.willBlock" placeholder={t('compose.toPlaceholder')} />
        {error ? <p className="form-error" role="alert"><i className="pi pi-exclamation-triangle" aria-hidden="true" /> {error}</p> : null}
        <div className="form-actions">
          <Button type="button" text label={t('actions.cancel')} onClick={hide} />
          <Button type="submit" icon="pi pi-ban" label={t('optOuts.addSubmit')} loading={pending} disabled={check.kind !== 'valid'} />
        </div>
      </form>
    </Dialog>
  );
}
