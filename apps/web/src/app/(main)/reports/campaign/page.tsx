'use client';

import { Suspense } from 'react';
import { useSearchParams } from 'next/navigation';
import { useT } from '@/i18n';
import { EmptyState } from '@/components/common/EmptyState';
import { LoadingRows } from '@/components/common/LoadingRows';
import { CampaignReportView } from '@/components/reports/CampaignReportView';

/** `/reports/campaign/?id=…`: one campaign's report. */
export default function CampaignReportPage() {
  return (
    <Suspense fallback={<LoadingRows rows={6} />}>
      <ReportById />
    </Suspense>
  );
}

function ReportById() {
  const t = useT();
  const id = useSearchParams().get('id');
  if (!id) return <EmptyState icon="pi-chart-bar" text={t('campaign.noId')} />;
  return <CampaignReportView key={id} id={id} />;
}
