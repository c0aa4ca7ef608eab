'use client';

import { useCallback, useState } from 'react';
import Link from 'next/link';
import { Button } from 'primereact/button';
import { Column } from 'primereact/column';
import { DataTable } from 'primereact/datatable';
import { Dropdown } from 'primereact/dropdown';
import { CAMPAIGN_STATUSES } from '@wasla/protocol';
import type { Campaign, CampaignStatus } from '@wasla/protocol';
import { useFormat, useT } from '@/i18n';
import { useErrorText } from '@/i18n/errors';
import { useNotify } from '@/components/common/ToastProvider';
import { ConfirmDelete } from '@/components/settings/ConfirmDelete';
import { campaignsApi } from '@/lib/campaigns';
import { useCampaignsProgress, withProgress } from '@/session';
import { useCursorList } from '@/hooks/useCursorList';
import { EmptyState } from '@/components/common/EmptyState';
import { ErrorState } from '@/components/common/ErrorState';
import { LoadingRows } from '@/components/common/LoadingRows';
import { CampaignProgressBar } from './CampaignProgressBar';
import { CampaignStatusTag } from './CampaignStatusTag';
import { CAMPAIGN_STATUS } from './campaign-status';
import { campaignHref } from './links';

const PAGE_SIZE = 25;
const ALL = 'all';
const campaignKey = (campaign: Campaign) => campaign.id;

/** Every campaign, newest first, with live progress; filtered by status on request; drafts can be selected and deleted together. */
export function CampaignList() {
  const t = useT();
  const format = useFormat();
  const [status, setStatus] = useState<CampaignStatus | null>(null);
  const fetchPage = useCallback((cursor: string | null, signal: AbortSignal) => campaignsApi.list({ status, cursor, limit: PAGE_SIZE, signal }), [status]);
  const { state, reload, loadMore } = useCursorList(fetchPage, campaignKey, status ?? 'all');
  const progress = useCampaignsProgress();
  // The Dropdown treats null as "nothing chosen", so "every status" has a value of its own.
  const statusOptions = [{ value: ALL, label: t('campaigns.filter.all') }, ...CAMPAIGN_STATUSES.map((value) => ({ value, label: t(CAMPAIGN_STATUS[value].label) }))];
  const rows = state.items.map((campaign) => withProgress(campaign, progress.get(campaign.id)));
  const notify = useNotify();
  const errorText = useErrorText();
  const [selected, setSelected] = useState<Campaign[]>([]);
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  // Only drafts are selectable, and only those still listed as drafts count.
  const drafts = selected.filter((campaign) => rows.some((row) => row.id === campaign.id && row.status === 'draft'));
  const deleteDrafts = async () => {
    setDeleting(true);
    try {
      const { deleted } = await campaignsApi.deleteDrafts(drafts.map((campaign) => campaign.id));
      notify({ severity: 'success', summary: t('campaigns.draftsDeleted', { count: format.number(deleted) }) });
      setSelected([]);
      reload();
    } catch (error) {
      notify({ severity: 'error', summary: errorText(error) });
    } finally {
      setDeleting(false);
      setConfirming(false);
    }
  };

  return (
    <section className="card" aria-labelledby="campaigns-title" aria-busy={state.phase === 'loading'}>
      <header className="card__header">
        <h2 id="campaigns-title" className="card__title">
          <i className="pi pi-megaphone" aria-hidden="true" />
          {t('campaigns.listTitle')}
        </h2>
        <div className="card__tools">
          {drafts.length > 0 ? (
            <Button type="button" outlined severity="danger" icon="pi pi-trash" label={t('campaigns.deleteDrafts', { count: format.number(drafts.length) })} loading={deleting} disabled={deleting} data-action="delete-drafts" onClick={() => setConfirming(true)} />
          ) : null}
          <label htmlFor="campaign-status-filter" className="visually-hidden">{t('campaigns.filter.label')}</label>
          <Dropdown inputId="campaign-status-filter" value={status ?? ALL} options={statusOptions} onChange={(event) => setStatus(event.value === ALL ? null : (event.value as CampaignStatus))} className="filter-dropdown" />
        </div>
      </header>
      {state.phase === 'loading' ? <LoadingRows rows={4} /> : null}
      {state.phase === 'error' ? <ErrorState error={state.error} onRetry={() => reload()} /> : null}
      {state.phase === 'ready' && rows.length === 0 && status === null ? <CampaignsIntro /> : null}
      {state.phase === 'ready' && rows.length === 0 && status !== null ? <EmptyState icon="pi-filter" text={t('campaigns.filter.empty', { status: t(CAMPAIGN_STATUS[status].label) })} /> : null}
      {state.phase === 'ready' && rows.length > 0 ? (
        <>
          <div className="table-scroll">
            <DataTable
              value={rows}
              dataKey="id"
              size="small"
              className="campaign-table"
              selectionMode="checkbox"
              selection={drafts}
              onSelectionChange={(event) => setSelected((event.value as Campaign[]).filter((campaign) => campaign.status === 'draft'))}
              isDataSelectable={(event) => (event.data as Campaign).status === 'draft'}
            >
              <Column selectionMode="multiple" headerStyle={{ inlineSize: '3rem' }} />
              <Column
                header={t('campaigns.col.name')}
                body={(campaign: Campaign) => (
                  <Link href={campaignHref(campaign)} className="table-link" data-campaign-id={campaign.id}>
                    <bdi>{campaign.name}</bdi>
                  </Link>
                )}
              />
              <Column header={t('campaigns.col.status')} body={(campaign: Campaign) => <CampaignStatusTag status={campaign.status} />} />
              <Column
                header={t('campaigns.col.progress')}
                className="column-progress"
                body={(campaign: Campaign) => (campaign.status === 'draft' ? <span className="muted">{t('campaigns.recipientsCount', { count: format.number(campaign.counts.total) })}</span> : <CampaignProgressBar counts={campaign.counts} size="small" />)}
              />
              <Column header={t('campaigns.col.created')} body={(campaign: Campaign) => <time dateTime={campaign.createdAt}>{format.dateTime(campaign.createdAt)}</time>} />
            </DataTable>
          </div>
          {state.nextCursor || state.moreError ? (
            <div className="list-more">
              {state.moreError ? <ErrorState error={state.moreError} onRetry={loadMore} /> : null}
              {state.nextCursor ? <Button type="button" outlined icon="pi pi-angle-down" label={t('campaigns.loadMore')} loading={state.loadingMore} onClick={loadMore} /> : null}
            </div>
          ) : null}
        </>
      ) : null}
      <ConfirmDelete
        visible={confirming}
        header={t('campaigns.deleteDraftsTitle')}
        message={t('campaigns.deleteDraftsConfirm', { count: format.number(drafts.length), names: format.list(drafts.slice(0, 5).map((campaign) => campaign.name)) })}
        acceptLabel={t('campaigns.deleteDrafts', { count: format.number(drafts.length) })}
        onAccept={() => void deleteDrafts()}
        onHide={() => setConfirming(false)}
      />
    </section>
  );
}

/** The empty list: what a campaign is, how it keeps the number safe, and the way to start one. */
function CampaignsIntro() {
  const t = useT();
  return (
    <div className="empty-state campaigns-intro">
      <i className="pi pi-megaphone empty-state__icon" aria-hidden="true" />
      <p className="empty-state__title">{t('campaigns.empty.title')}</p>
      <p className="empty-state__text">{t('campaigns.empty.text')}</p>
      <ol className="campaigns-intro__steps">
        <li><i className="pi pi-file-import" aria-hidden="true" /> {t('campaigns.empty.step1')}</li>
        <li><i className="pi pi-pencil" aria-hidden="true" /> {t('campaigns.empty.step2')}</li>
        <li><i className="pi pi-shield" aria-hidden="true" /> {t('campaigns.empty.step3')}</li>
      </ol>
      <Link href="/campaigns/new/" className="p-button p-component campaigns-intro__cta">
        <i className="pi pi-plus p-button-icon p-button-icon-left" aria-hidden="true" />
        <span className="p-button-label">{t('campaigns.new')}</span>
      </Link>
    </div>
  );
}
