'use client';

import Link from 'next/link';
import { useT } from '@/i18n';
import { EmptyState } from '@/components/common/EmptyState';

export default function NotFound() {
  const t = useT();
  return (
    <main className="full-page">
      <EmptyState icon="pi-compass" text={t('app.notFound.title')}>
        <Link href="/" className="notice__link">
          {t('app.notFound.back')} <i className="pi pi-arrow-right icon-directional" aria-hidden="true" />
        </Link>
      </EmptyState>
    </main>
  );
}
