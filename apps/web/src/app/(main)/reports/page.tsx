'use client';

import { useT } from '@/i18n';
import { usePageTitle } from '@/hooks/usePageTitle';
import { ReportsView } from '@/components/reports/ReportsView';

export default function ReportsPage() {
  const t = useT();
  usePageTitle(t('menu.reports'));
  return (
    <div className="page">
      <h1 className="page__title">{t('menu.reports')}</h1>
      <ReportsView />
    </div>
  );
}
