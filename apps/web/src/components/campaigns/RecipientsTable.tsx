'use client';

import { useCallback, useState } from 'react';
import { Button } from 'primereact/button';
import { Column } from 'primereact/column';
import { DataTable } from 'primereact/datatable';
import { Dropdown } from 'primereact/dropdown';
import { Tag } from 'primereact/tag';
import { RECIPIENT_STATUSES } from '@wasla/protocol';
import type { CampaignProgress, Recipient, RecipientStatus } from '@wasla/protocol';
import { useFormat, useI18n, useT } from '@/i18n';
import { campaignsApi } from '@/lib/campaigns';
import type { Page } from '@/lib/campaigns';
import { formatPhone } from '@/lib/phone';
import { useCampaignProgressEvents } from '@/session';
import { useAsyncResource } from '@/hooks/useApiResource';
import { useThrottled } from '@/hooks/useThrottled';
import { EmptyState } from '@/components/common/EmptyState';
import { ErrorState } from '@/components/common/ErrorState';
import { LoadingRows } from '@/components/common/LoadingRows';
import { RECIPIENT_STATUS, reasonLabel } from './campaign-status';

const PAGE_SIZE = 20;
/** The Dropdown treats null as "nothing chosen", so "everyone" has a value of its own. */
const ALL = 'all';
/** While the campaign sends, the page on screen is fetched again at most this often. */
const LIVE_REFRESH_MS = 2000;

/** The campaign's recipients in sending order, a page at a time, filtered by status, kept fresh while it sends. */
export function RecipientsTable({ campaignId }: { campaignId: string }) {
  const t = useT();
  const format = useFormat();
  // The server's explanations are English sentences: shown in English, a tooltip otherwise.
  const serverWords = useI18n().locale === 'en';
  const [status, setStatus] = useState<RecipientStatus | null>(null);
  // The cursors of the pages before this one; the last is this page's own (null: the first page).
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const { resource: load, reload } = useAsyncResource<Page<Recipient>>(
    (signal) => campaignsApi.recipients(campaignId, { status, cursor, limit: PAGE_SIZE, signal }),
    JSON.stringify([campaignId, status, cursor]),
  );

  // Progress says recipients changed: look again, at most every LIVE_REFRESH_MS.
  const refresh = useThrottled(reload, LIVE_REFRESH_MS);
  useCampaignProgressEvents(
    useCallback(
      (progress: CampaignProgress) => {
        if (progress.campaignId === campaignId) refresh();
      },
      [campaignId, refresh],
    ),
  );

  const statusOptions = [{ value: ALL, label: t('recipients.filter.all') }, ...RECIPIENT_STATUSES.map((value) => ({ value, label: t(RECIPIENT_STATUS[value].label) }))];
  const pageNumber = cursors.length;
  return (
    <section className="card" aria-labelledby="recipients-title" aria-busy={load.kind === 'loading'}>
      <header className="card__header">
        <h2 id="recipients-title" className="card__title">
          <i className="pi pi-users" aria-hidden="true" />
          {t('recipients.title')}
        </h2>
        <div className="card__tools">
          <label htmlFor="recipient-status-filter" className="visually-hidden">{t('recipients.filter.label')}</label>
          <Dropdown
            inputId="recipient-status-filter"
            value={status ?? ALL}
            options={statusOptions}
            className="filter-dropdown"
            onChange={(event) => {
              setStatus(event.value === ALL ? null : (event.value as RecipientStatus));
              setCursors([null]);
            }}
          />
        </div>
      </header>
      {load.kind === 'loading' ? <LoadingRows rows={5} /> : null}
      {load.kind === 'error' ? <ErrorState error={load.error} onRetry={reload} /> : null}
      {load.kind === 'ready' && load.data.items.length === 0 ? <EmptyState icon="pi-users" text={status ? t('recipients.emptyFiltered', { status: t(RECIPIENT_STATUS[status].label) }) : t('recipients.empty')} /> : null}
      {load.kind === 'ready' && load.data.items.length > 0 ? (
        <>
          <div className="table-scroll">
            <DataTable value={load.data.items} dataKey="seq" size="small" className="recipients-table">
              <Column header="#" body={(recipient: Recipient) => <span className="cell-number">{format.number(recipient.seq)}</span>} />
              <Column header={t('recipients.phone')} body={(recipient: Recipient) => <bdi dir="ltr" className="phone-number">{formatPhone(recipient.phone)}</bdi>} />
              <Column header={t('recipients.name')} body={(recipient: Recipient) => (recipient.name ? <bdi>{recipient.name}</bdi> : <span className="muted">—</span>)} />
              <Column
                header={t('recipients.status')}
                body={(recipient: Recipient) => {
                  const look = RECIPIENT_STATUS[recipient.status];
                  return <Tag value={t(look.label)} {...(look.severity ? { severity: look.severity } : {})} data-recipient-status={recipient.status} />;
                }}
              />
              <Column
                header={t('recipients.reason')}
                body={(recipient: Recipient) =>
                  recipient.reason ? (
                    <span className="reason-cell" title={recipient.error ?? undefined}>
                      {reasonLabel(t, recipient.reason)}
                      {recipient.error && serverWords ? <small className="muted">{recipient.error}</small> : null}
                    </span>
                  ) : (
                    <span className="muted">—</span>
                  )
                }
              />
              <Column header={t('recipients.sentAt')} body={(recipient: Recipient) => (recipient.sentAt ? <time dateTime={recipient.sentAt}>{format.dateTime(recipient.sentAt)}</time> : <span className="muted">—</span>)} />
            </DataTable>
          </div>
          <div className="pager">
            <Button type="button" text icon="pi pi-angle-left icon-directional" label={t('recipients.previous')} disabled={pageNumber <= 1} onClick={() => setCursors((list) => list.slice(0, -1))} />
            <span className="muted">{t('recipients.page', { page: format.number(pageNumber) })}</span>
            <Button
              type="button"
              text
              icon="pi pi-angle-right icon-directional"
              iconPos="right"
              label={t('recipients.next')}
              disabled={!load.data.nextCursor}
              onClick={() => {
                const next = load.data.nextCursor;
                if (next) setCursors((list) => [...list, next]);
              }}
            />
          </div>
        </>
      ) : null}
    </section>
  );
}
