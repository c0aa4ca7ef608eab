'use client';

import { useFormat, useT } from '@/i18n';
import { reasonLabel } from '@/components/campaigns/campaign-status';
import { ReasonDoughnut } from './LazyCharts';

/** Counts by reason as a table and a doughnut; a sentence when there are none. */
export function ReasonBreakdown({ title, icon, byReason, empty, kind }: { title: string; icon: string; byReason: Record<string, number>; empty: string; kind: 'failed' | 'skipped' }) {
  const t = useT();
  const format = useFormat();
  const entries = Object.entries(byReason)
    .filter(([, count]) => count > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([code, count]) => ({ code, label: reasonLabel(t, code), count }));
  const total = entries.reduce((sum, entry) => sum + entry.count, 0);
  const headingId = `reasons-${kind}`;
  return (
    <section className="card reasons" aria-labelledby={headingId} data-reasons={kind}>
      <header className="card__header">
        <h2 id={headingId} className="card__title">
          <i className={`pi ${icon}`} aria-hidden="true" />
          {title}
        </h2>
      </header>
      {entries.length === 0 ? (
        <p className="reasons__empty muted">
          <i className="pi pi-check-circle" aria-hidden="true" /> {empty}
        </p>
      ) : (
        <div className="reasons__body">
          <div className="chart-box chart-box--doughnut">
            <ReasonDoughnut entries={entries} title={title} />
          </div>
          <table className="simple-table">
            <thead>
              <tr>
                <th scope="col">{t('report.reason')}</th>
                <th scope="col" className="num">{t('report.count')}</th>
                <th scope="col" className="num">{t('report.share')}</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.code} data-reason={entry.code}>
                  <td>{entry.label}</td>
                  <td className="num">{format.number(entry.count)}</td>
                  <td className="num">{format.percent(entry.count / total)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
