'use client';

import { useEffect, useMemo, useState } from 'react';
import Link from 'next/link';
import { Button } from 'primereact/button';
import { InputText } from 'primereact/inputtext';
import type { RangeReport } from '@wasla/protocol';
import { useFormat, useT } from '@/i18n';
import { addDays, browserTimeZone, campaignsApi, dayIn } from '@/lib/campaigns';
import { ErrorState } from '@/components/common/ErrorState';
import { LoadingRows } from '@/components/common/LoadingRows';
import { EmptyState } from '@/components/common/EmptyState';
import { CampaignStatusTag } from '@/components/campaigns/CampaignStatusTag';
import { reportHref } from '@/components/campaigns/links';
import { DailyChart } from './LazyCharts';
import { ReasonBreakdown } from './ReasonBreakdown';
import { TotalsCards } from './TotalsCards';

type Load = { kind: 'loading'; last: RangeReport | null } | { kind: 'ready'; report: RangeReport } | { kind: 'error'; error: unknown };

const PRESETS = [
  { days: 1, label: 'reports.today' },
  { days: 7, label: 'reports.last7' },
  { days: 30, label: 'reports.last30' },
] as const;

/** Messages over a date range (the last 7 days at first): totals, per day, why some failed or were skipped, per campaign. */
export function ReportsView() {
  const t = useT();
  const timeZone = useMemo(browserTimeZone, []);
  const today = useMemo(() => dayIn(new Date(), timeZone), [timeZone]);
  const [range, setRange] = useState({ from: addDays(today, -6), to: today });
  const [attempt, setAttempt] = useState(0);
  const [load, setLoad] = useState<Load>({ kind: 'loading', last: null });
  const valid = /^\d{4}-\d{2}-\d{2}$/.test(range.from) && /^\d{4}-\d{2}-\d{2}$/.test(range.to) && range.from <= range.to;

  useEffect(() => {
    if (!valid) return;
    const controller = new AbortController();
    setLoad((current) => ({ kind: 'loading', last: current.kind === 'ready' ? current.report : current.kind === 'loading' ? current.last : null }));
    campaignsApi
      .rangeReport({ ...range, timeZone }, controller.signal)
      .then((report) => setLoad({ kind: 'ready', report }))
      .catch((error: unknown) => {
        if (!controller.signal.aborted) setLoad({ kind: 'error', error });
      });
    return () => controller.abort();
  }, [range, timeZone, valid, attempt]);

  const report = load.kind === 'ready' ? load.report : load.kind === 'loading' ? load.last : null;
  return (
    <div className="reports" aria-busy={load.kind === 'loading'}>
      <section className="card range-picker" aria-label={t('reports.range')}>
        <div className="range-picker__presets" role="group" aria-label={t('reports.presets')}>
          {PRESETS.map((preset) => {
            const from = addDays(today, 1 - preset.days);
            const active = range.from === from && range.to === today;
            return <Button key={preset.days} type="button" size="small" outlined={!active} label={t(preset.label)} aria-pressed={active} onClick={() => setRange({ from, to: today })} />;
          })}
        </div>
        <div className="range-picker__dates">
          <div className="field field--inline">
            <label htmlFor="report-from">{t('reports.from')}</label>
            <InputText id="report-from" type="date" value={range.from} max={range.to} onChange={(event) => setRange((current) => ({ ...current, from: event.target.value }))} />
          </div>
          <div className="field field--inline">
            <label htmlFor="report-to">{t('reports.to')}</label>
            <InputText id="report-to" type="date" value={range.to} min={range.from} max={today} onChange={(event) => setRange((current) => ({ ...current, to: event.target.value }))} />
          </div>
          <span className="muted range-picker__zone">{t('reports.timeZone', { zone: timeZone })}</span>
        </div>
        {!valid ? <p className="field__hint field__hint--error">{t('reports.badRange')}</p> : null}
      </section>
      {load.kind === 'error' ? <ErrorState error={load.error} onRetry={() => setAttempt((n) => n + 1)} /> : null}
      {!report && load.kind === 'loading' ? <LoadingRows rows={6} /> : null}
      {report ? <RangeReportBody report={report} /> : null}
    </div>
  );
}

function RangeReportBody({ report }: { report: RangeReport }) {
  const t = useT();
  const format = useFormat();
  const { totals } = report;
  const nothing = totals.sent + totals.failed + totals.skipped + totals.pending + totals.unknown === 0;
  return (
    <>
      <TotalsCards totals={totals} />
      <section className="card" aria-labelledby="daily-title">
        <header className="card__header">
          <h2 id="daily-title" className="card__title">
            <i className="pi pi-chart-bar" aria-hidden="true" />
            {t('reports.perDay')}
          </h2>
          <span className="muted">{t('reports.rangeLabel', { from: format.day(report.from, true), to: format.day(report.to, true) })}</span>
        </header>
        {nothing ? (
          <EmptyState icon="pi-chart-bar" text={t('reports.empty')} />
        ) : (
          <div className="chart-box chart-box--daily">
            <DailyChart days={report.days} labels={{ sent: t('report.sent'), delivered: t('report.delivered'), read: t('report.read'), failed: t('report.failed'), title: t('reports.perDay') }} />
          </div>
        )}
      </section>
      <div className="reports-grid">
        <ReasonBreakdown kind="failed" title={t('report.failedByReason')} icon="pi-times-circle" byReason={totals.failedByReason} empty={t('report.noFailures')} />
        <ReasonBreakdown kind="skipped" title={t('report.skippedByReason')} icon="pi-forward" byReason={totals.skippedByReason} empty={t('report.noSkips')} />
      </div>
      <section className="card" aria-labelledby="per-campaign-title">
        <header className="card__header">
          <h2 id="per-campaign-title" className="card__title">
            <i className="pi pi-megaphone" aria-hidden="true" />
            {t('reports.perCampaign')}
          </h2>
        </header>
        {report.campaigns.length === 0 ? (
          <EmptyState icon="pi-megaphone" text={t('reports.noCampaigns')} />
        ) : (
          <div className="table-scroll">
            <table className="simple-table simple-table--wide">
              <thead>
                <tr>
                  <th scope="col">{t('campaigns.col.name')}</th>
                  <th scope="col">{t('campaigns.col.status')}</th>
                  <th scope="col" className="num">{t('report.sent')}</th>
                  <th scope="col" className="num">{t('report.delivered')}</th>
                  <th scope="col" className="num">{t('report.read')}</th>
                  <th scope="col" className="num">{t('report.failed')}</th>
                  <th scope="col" className="num">{t('report.skipped')}</th>
                </tr>
              </thead>
              <tbody>
                {report.campaigns.map((campaign) => (
                  <tr key={campaign.id} data-campaign-id={campaign.id}>
                    <td>
                      <Link href={reportHref(campaign.id)} className="table-link">{campaign.name}</Link>
                    </td>
                    <td><CampaignStatusTag status={campaign.status} /></td>
                    <td className="num">{format.number(campaign.totals.sent)}</td>
                    <td className="num">{format.number(campaign.totals.delivered)}</td>
                    <td className="num">{format.number(campaign.totals.read)}</td>
                    <td className="num">{format.number(campaign.totals.failed)}</td>
                    <td className="num">{format.number(campaign.totals.skipped)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
