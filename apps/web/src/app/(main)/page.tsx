'use client';

import { useT } from '@/i18n';
import { usePageTitle } from '@/hooks/usePageTitle';
import { SessionCard } from '@/components/session/SessionCard';
import { SessionTimeline } from '@/components/session/SessionTimeline';
import { TodayNumbers } from '@/components/reports/TodayNumbers';
import { RunningCampaigns } from '@/components/campaigns/RunningCampaigns';

export default function DashboardPage() {
  const t = useT();
  usePageTitle(t('menu.dashboard'));
  return (
    <div className="page">
      <h1 className="page__title">{t('menu.dashboard')}</h1>
      <div className="dashboard-grid">
        <div className="dashboard-column">
          <SessionCard />
          <TodayNumbers />
        </div>
        <div className="dashboard-column">
          <RunningCampaigns />
          <SessionTimeline />
        </div>
      </div>
    </div>
  );
}
