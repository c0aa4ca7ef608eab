'use client';

import { useEffect, useRef } from 'react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import type { Campaign, CampaignProgress, RecipientStatus } from '@wasla/protocol';
import { useFormat, useT } from '@/i18n';
import { sameClock, viewerTimeZone } from '@/i18n/format';
import { useApiResource } from '@/hooks/useApiResource';
import { usePageTitle } from '@/hooks/usePageTitle';
import { useCampaignProgress, useSession, withProgress } from '@/session';
import { ErrorState } from '@/components/common/ErrorState';
import { LoadingRows } from '@/components/common/LoadingRows';
import { CampaignActions } from './CampaignActions';
import { CampaignProgressBar } from './CampaignProgressBar';
import { CampaignStatusTag } from './CampaignStatusTag';
import { PauseBanner } from './PauseBanner';
import { RecipientsTable } from './RecipientsTable';
import { WaitingNotice } from './WaitingNotice';
import { RECIPIENT_STATUS } from './campaign-status';

const COUNTED: RecipientStatus[] = ['pending', 'sent', 'delivered', 'read', 'failed', 'skipped', 'unknown'];

/** A started campaign, live: progress, why it waits or paused, its controls and recipients. */
export function CampaignDetail({ id }: { id: string }) {
  const t = useT();
  const router = useRouter();
  const { resource, reload, setData } = useApiResource<Campaign>(`/api/campaigns/${encodeURIComponent(id)}`);
  const progress = useCampaignProgress(id);
  const fetched = resource.kind === 'ready' ? resource.data : null;
  const campaign = fetched ? withProgress(fetched, progress) : null;
  usePageTitle(campaign?.name ?? t('menu.campaigns'));

  // Events missed while the socket was down: fetch the campaign again once it is back.
  const health = useSession((session) => session.health.kind);
  const wasLive = useRef(health === 'live');
  useEffect(() => {
    if (health === 'live' && !wasLive.current) reload();
    wasLive.current = health === 'live';
  }, [health, reload]);

  const isDraft = campaign?.status === 'draft';
  useEffect(() => {
    if (isDraft) router.replace(`/campaigns/new/?id=${encodeURIComponent(id)}`);
  }, [isDraft, id, router]);

  return (
    <div className="page">
      <nav className="breadcrumb" aria-label={t('editor.breadcrumb')}>
        <Link href="/campaigns/">{t('menu.campaigns')}</Link>
        <i className="pi pi-angle-right icon-directional" aria-hidden="true" />
        <span aria-current="page">{campaign?.name ?? '…'}</span>
      </nav>
      {resource.kind === 'loading' || isDraft ? <LoadingRows rows={6} /> : null}
      {resource.kind === 'error' ? <ErrorState error={resource.error} onRetry={reload} /> : null}
      {campaign && !isDraft ? <CampaignView campaign={campaign} progress={progress} onChange={(next) => setData(() => next)} /> : null}
    </div>
  );
}

function CampaignView({ campaign, progress, onChange }: { campaign: Campaign; progress: CampaignProgress | null; onChange(campaign: Campaign): void }) {
  const t = useT();
  const format = useFormat();
  const live = progress && progress.at >= campaign.updatedAt ? progress : null;
  const sending = campaign.status === 'running';
  return (
    <div className="campaign-detail" data-campaign-id={campaign.id} data-campaign-status={campaign.status}>
      <div className="page__head">
        <div className="page__heading">
          <h1 className="page__title"><bdi>{campaign.name}</bdi></h1>
          <CampaignStatusTag status={campaign.status} />
        </div>
        <CampaignActions campaign={campaign} onChange={onChange} />
      </div>
      {campaign.status === 'paused' && campaign.pause ? <PauseBanner pause={campaign.pause} /> : null}
      <section className="card" aria-labelledby="progress-title">
        <header className="card__header">
          <h2 id="progress-title" className="card__title">
            <i className="pi pi-chart-line" aria-hidden="true" />
            {t('campaign.progress')}
          </h2>
          {sending && campaign.waiting ? <WaitingNotice waiting={campaign.waiting} quietZone={campaign.limits.quietHours?.timeZone ?? null} /> : null}
          {campaign.status === 'scheduled' && campaign.scheduledAt ? (
            <p className="waiting" role="status" data-waiting="schedule">
              <i className="pi pi-calendar-clock" aria-hidden="true" />
              <span>{t('campaign.startsAt', { time: format.dateTime(campaign.scheduledAt) })}</span>
            </p>
          ) : null}
        </header>
        <CampaignProgressBar counts={campaign.counts} legend />
        <dl className="facts facts--inline campaign-facts">
          <div>
            <dt>{t('campaign.rate')}</dt>
            <dd data-rate>{live && sending ? t('campaign.perMinute', { count: format.number(Math.round(live.ratePerMinute * 10) / 10) }) : '—'}</dd>
          </div>
          <div>
            <dt>{t('campaign.eta')}</dt>
            <dd data-eta>{live && sending && live.etaSeconds !== null ? t('campaign.etaValue', { duration: format.duration(live.etaSeconds) }) : '—'}</dd>
          </div>
          <div>
            <dt>{t('campaign.started')}</dt>
            <dd>{campaign.startedAt ? <time dateTime={campaign.startedAt}>{format.dateTime(campaign.startedAt)}</time> : '—'}</dd>
          </div>
          <div>
            <dt>{campaign.status === 'cancelled' ? t('campaign.cancelledAt') : t('campaign.finished')}</dt>
            <dd>{campaign.finishedAt ? <time dateTime={campaign.finishedAt}>{format.dateTime(campaign.finishedAt)}</time> : '—'}</dd>
          </div>
        </dl>
        <dl className="count-grid">
          {COUNTED.map((status) => (
            <div key={status} className={`count count--${status}`} data-count={status}>
              <dt>{t(RECIPIENT_STATUS[status].label)}</dt>
              <dd>{format.number(campaign.counts[status])}</dd>
            </div>
          ))}
        </dl>
        <p className="muted count-note">{t('campaign.countsNote')}</p>
      </section>
      <section className="card" aria-labelledby="message-title">
        <header className="card__header">
          <h2 id="message-title" className="card__title">
            <i className="pi pi-comment" aria-hidden="true" />
            {t('campaign.message')}
          </h2>
        </header>
        <div className="chat-bubble chat-bubble--template" dir="auto">{campaign.template}</div>
        <LimitsSummary campaign={campaign} />
      </section>
      <RecipientsTable campaignId={campaign.id} />
    </div>
  );
}

/** The limits the campaign sends under, in one line. */
function LimitsSummary({ campaign }: { campaign: Campaign }) {
  const t = useT();
  const format = useFormat();
  const { limits } = campaign;
  // Quiet hours keep their zone's clock; in another zone they are given in the viewer's too.
  const quietHoursText = (quiet: Campaign['limits']['quietHours']): string => {
    if (!quiet) return t('campaign.limits.noQuiet');
    const own = t('campaign.limits.quiet', { start: quiet.start, end: quiet.end, zone: quiet.timeZone });
    if (sameClock(quiet.timeZone, viewerTimeZone())) return own;
    return t('campaign.limits.quietHere', { quiet: own, start: format.wallTimeHere(quiet.start, quiet.timeZone), end: format.wallTimeHere(quiet.end, quiet.timeZone) });
  };
  const parts = [
    limits.maxGapMs === 0 ? t('campaign.limits.noGap') : t('campaign.limits.gap', { min: format.number(limits.minGapMs / 1000), max: format.number(limits.maxGapMs / 1000) }),
    t('campaign.limits.caps', { hourly: format.number(limits.hourlyCap), daily: format.number(limits.dailyCap) }),
    quietHoursText(limits.quietHours),
  ];
  return (
    <p className="limits-summary muted" data-limits-summary>
      <i className="pi pi-shield" aria-hidden="true" /> {parts.join(' · ')}
    </p>
  );
}
