'use client';

import { useMemo } from 'react';
import Link from 'next/link';
import type { RangeReport } from '@wasla/protocol';
import { useT } from '@/i18n';
import { browserTimeZone, dayIn } from '@/lib/campaigns';
import { useApiResource } from '@/hooks/useApiResource';
import { useThrottled } from '@/hooks/useThrottled';
import { useCampaignProgressEvents, useMessageStatus } from '@/session';
import { ErrorState } from '@/components/common/ErrorState';
import { LoadingRows } from '@/components/common/LoadingRows';
import { TotalsCards } from './TotalsCards';

/** Live events mean the numbers moved; they are fetched again at most this often. */
const REFRESH_MS = 5000;

/** Today's messages (in this browser's time zone): sent, delivered, read, failed; kept fresh by live events. */
export function TodayNumbers() {
  const t = useT();
  const timeZone = useMemo(browserTimeZone, []);
  const today = dayIn(new Date(), timeZone);
  const query = new URLSearchParams({ from: today, to: today, timeZone }).toString();
  const { resource, reload } = useApiResource<RangeReport>(`/api/reports?${query}`);

  const soon = useThrottled(reload, REFRESH_MS);
  useMessageStatus(soon);
  useCampaignProgressEvents(soon);

  return (
    <section className="card today" aria-labelledby="today-title" aria-busy={resource.kind === 'loading'}>
      <header className="card__header">
        <h2 id="today-title" className="card__title">
          <i className="pi pi-calendar" aria-hidden="true" />
          {t('today.title')}
        </h2>
        <Link href="/reports/" className="notice__link">
          {t('today.reports')} <i className="pi pi-arrow-right icon-directional" aria-hidden="true" />
        </Link>
      </header>
      {resource.kind === 'loading' ? <LoadingRows rows={2} /> : null}
      {resource.kind === 'error' ? <ErrorState error={resource.error} onRetry={reload} /> : null}
      {resource.kind === 'ready' ? <TotalsCards totals={resource.data.totals} only={['sent', 'delivered', 'read', 'failed']} /> : null}
    </section>
  );
}
