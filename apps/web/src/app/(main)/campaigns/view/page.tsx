'use client';

import { Suspense } from 'react';
import { useSearchParams } from 'next/navigation';
import { useT } from '@/i18n';
import { EmptyState } from '@/components/common/EmptyState';
import { LoadingRows } from '@/components/common/LoadingRows';
import { CampaignDetail } from '@/components/campaigns/CampaignDetail';

/** `/campaigns/view/?id=…`: one campaign (a query, as the static export has no dynamic routes). */
export default function CampaignPage() {
  return (
    <Suspense fallback={<LoadingRows rows={6} />}>
      <CampaignById />
    </Suspense>
  );
}

function CampaignById() {
  const t = useT();
  const id = useSearchParams().get('id');
  if (!id) return <EmptyState icon="pi-megaphone" text={t('campaign.noId')} />;
  return <CampaignDetail key={id} id={id} />;
}
