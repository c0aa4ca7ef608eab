'use client';

import Link from 'next/link';
import { useT } from '@/i18n';
import { usePageTitle } from '@/hooks/usePageTitle';
import { CampaignList } from '@/components/campaigns/CampaignList';

export default function CampaignsPage() {
  const t = useT();
  usePageTitle(t('menu.campaigns'));
  return (
    <div className="page">
      <div className="page__head">
        <h1 className="page__title">{t('menu.campaigns')}</h1>
        <Link href="/campaigns/new/" className="p-button p-component">
          <i className="pi pi-plus p-button-icon p-button-icon-left" aria-hidden="true" />
          <span className="p-button-label">{t('campaigns.new')}</span>
        </Link>
      </div>
      <CampaignList />
    </div>
  );
}
