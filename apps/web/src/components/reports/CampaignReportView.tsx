'use client';

import Link from 'next/link';
import type { CampaignReport } from '@wasla/protocol';
import { useFormat, useT } from '@/i18n';
import { useApiResource } from '@/hooks/useApiResource';
import { usePageTitle } from '@/hooks/usePageTitle';
import { campaignsApi } from '@/lib/campaigns';
import { ErrorState } from '@/components/common/ErrorState';
import { LoadingRows } from '@/components/common/LoadingRows';
import { CampaignStatusTag } from '@/components/campaigns/CampaignStatusTag';
import { campaignHref } from '@/components/campaigns/links';
import { ReasonBreakdown } from './ReasonBreakdown';
import { TotalsCards } from './TotalsCards';

/** One campaign's report: the funnel, failures and skips by reason, and every recipient as CSV. */
export function CampaignReportView({ id }: { id: string }) {
  const t = useT();
  const format = useFormat();
  const { resource, reload } = useApiResource<CampaignReport>(`/api/campaigns/${encodeURIComponent(id)}/report`);
  const report = resource.kind === 'ready' ? resource.data : null;
  usePageTitle(report ? t('report.titleFor', { name: report.campaign.name }) : t('menu.reports'));
  return (
    <div className="page">
      <nav className="breadcrumb" aria-label={t('editor.breadcrumb')}>
        <Link href="/reports/">{t('menu.reports')}</Link>
        <i className="pi pi-angle-right icon-directional" aria-hidden="true" />
        <span aria-current="page">{report?.campaign.name ?? '…'}</span>
      </nav>
      {resource.kind === 'loading' ? <LoadingRows rows={6} /> : null}
      {resource.kind === 'error' ? <ErrorState error={resource.error} onRetry={reload} /> : null}
      {report ? (
        <div className="campaign-report" data-campaign-id={report.campaign.id}>
          <div className="page__head">
            <div className="page__heading">
              <h1 className="page__title">{report.campaign.name}</h1>
              <CampaignStatusTag status={report.campaign.status} />
            </div>
            <div className="campaign-actions">
              <Link href={campaignHref(report.campaign)} className="p-button p-component p-button-text">
                <i className="pi pi-megaphone p-button-icon p-button-icon-left" aria-hidden="true" />
                <span className="p-button-label">{t('report.openCampaign')}</span>
              </Link>
              <a href={campaignsApi.reportCsvHref(report.campaign.id)} download className="p-button p-component p-button-outlined" data-download-csv>
                <i className="pi pi-download p-button-icon p-button-icon-left" aria-hidden="true" />
                <span className="p-button-label">{t('report.downloadCsv')}</span>
              </a>
            </div>
          </div>
          <p className="muted report-meta">
            {t('report.recipients', { count: format.number(report.campaign.counts.total) })}
            {report.campaign.startedAt ? ` · ${t('report.startedAt', { time: format.dateTime(report.campaign.startedAt) })}` : ''}
            {report.campaign.finishedAt ? ` · ${t('report.finishedAt', { time: format.dateTime(report.campaign.finishedAt) })}` : ''}
          </p>
          <TotalsCards totals={report.totals} />
          <Funnel report={report} />
          <div className="reports-grid">
            <ReasonBreakdown kind="failed" title={t('report.failedByReason')} icon="pi-times-circle" byReason={report.totals.failedByReason} empty={t('report.noFailures')} />
            <ReasonBreakdown kind="skipped" title={t('report.skippedByReason')} icon="pi-forward" byReason={report.totals.skippedByReason} empty={t('report.noSkips')} />
          </div>
        </div>
      ) : null}
    </div>
  );
}

/** From every recipient to those who read it: bars as shares of the audience. */
function Funnel({ report }: { report: CampaignReport }) {
  const t = useT();
  const format = useFormat();
  const { totals, campaign } = report;
  const audience = Math.max(campaign.counts.total, 1);
  const steps = [
    { key: 'audience', label: t('report.audience'), value: campaign.counts.total },
    { key: 'sent', label: t('report.sent'), value: totals.sent },
    { key: 'delivered', label: t('report.delivered'), value: totals.delivered },
    { key: 'read', label: t('report.read'), value: totals.read },
  ];
  return (
    <section className="card" aria-labelledby="funnel-title">
      <header className="card__header">
        <h2 id="funnel-title" className="card__title">
          <i className="pi pi-filter" aria-hidden="true" />
          {t('report.funnel')}
        </h2>
      </header>
      <ol className="funnel">
        {steps.map((step) => (
          <li key={step.key} className={`funnel__step funnel__step--${step.key}`} data-funnel={step.key}>
            <span className="funnel__label">{step.label}</span>
            <span className="funnel__track">
              <span className="funnel__bar" style={{ inlineSize: `${(step.value / audience) * 100}%` }} />
            </span>
            <span className="funnel__value">
              {format.number(step.value)} <span className="muted">({format.percent(step.value / audience)})</span>
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}
