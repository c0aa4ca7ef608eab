'use client';

import { useEffect } from 'react';
import Link from 'next/link';
import type { Campaign } from '@wasla/protocol';
import { useT } from '@/i18n';
import { campaignsApi } from '@/lib/campaigns';
import { useAsyncResource } from '@/hooks/useApiResource';
import { useCampaignsProgress, withProgress } from '@/session';
import { EmptyState } from '@/components/common/EmptyState';
import { ErrorState } from '@/components/common/ErrorState';
import { LoadingRows } from '@/components/common/LoadingRows';
import { CampaignProgressBar } from './CampaignProgressBar';
import { CampaignStatusTag } from './CampaignStatusTag';
import { WaitingNotice } from './WaitingNotice';
import { campaignHref } from './links';

/**
 * The campaigns sending now, with live progress: only running ones. One just started
 * appears by itself; one that pauses, completes or is cancelled leaves the list.
 */
export function RunningCampaigns() {
  const t = useT();
  const progress = useCampaignsProgress();
  const { resource: load, reload } = useAsyncResource<Campaign[]>(
    (signal) => campaignsApi.list({ status: 'running', limit: 20, signal }).then((page) => page.items),
    'running',
  );

  // A campaign sending that is not listed was started since: fetch the list again.
  const fetched = load.kind === 'ready' ? load.data : null;
  // Live status wins: a campaign listed as running that paused or finished since is not sending.
  const listed = fetched === null ? null : fetched.map((campaign) => withProgress(campaign, progress.get(campaign.id))).filter((campaign) => campaign.status === 'running');
  const unseen = listed !== null && [...progress.values()].some((item) => item.status === 'running' && !fetched?.some((campaign) => campaign.id === item.campaignId));
  useEffect(() => {
    if (unseen) reload();
  }, [unseen, reload]);

  return (
    <section className="card" aria-labelledby="running-title" aria-busy={load.kind === 'loading'}>
      <header className="card__header">
        <h2 id="running-title" className="card__title">
          <i className="pi pi-megaphone" aria-hidden="true" />
          {t('running.title')}
        </h2>
        <Link href="/campaigns/" className="notice__link">
          {t('running.all')} <i className="pi pi-arrow-right icon-directional" aria-hidden="true" />
        </Link>
      </header>
      {load.kind === 'loading' ? <LoadingRows rows={2} /> : null}
      {load.kind === 'error' ? <ErrorState error={load.error} onRetry={reload} /> : null}
      {listed && listed.length === 0 ? (
        <EmptyState icon="pi-megaphone" text={t('running.empty')}>
          <Link href="/campaigns/new/" className="notice__link">
            <i className="pi pi-plus" aria-hidden="true" /> {t('campaigns.new')}
          </Link>
        </EmptyState>
      ) : null}
      {listed && listed.length > 0 ? (
        <ul className="running-list">
          {listed.map((campaign) => {
            return (
              <li key={campaign.id} className="running-list__item" data-campaign-id={campaign.id}>
                <div className="running-list__head">
                  <Link href={campaignHref(campaign)} className="table-link"><bdi>{campaign.name}</bdi></Link>
                  <CampaignStatusTag status={campaign.status} />
                </div>
                <CampaignProgressBar counts={campaign.counts} size="small" />
                {campaign.status === 'running' && campaign.waiting ? <WaitingNotice waiting={campaign.waiting} quietZone={campaign.limits.quietHours?.timeZone ?? null} /> : null}
              </li>
            );
          })}
        </ul>
      ) : null}
    </section>
  );
}
