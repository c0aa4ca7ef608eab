'use client';

import { Skeleton } from 'primereact/skeleton';
import { useT } from '@/i18n';

/** Placeholder rows while a list loads. */
export function LoadingRows({ rows = 4 }: { rows?: number }) {
  const t = useT();
  return (
    <div className="loading-rows" role="status" aria-label={t('common.loading')}>
      {Array.from({ length: rows }, (_, index) => (
        <div key={index} className="loading-rows__row">
          <Skeleton shape="circle" size="2rem" />
          <div className="loading-rows__lines">
            <Skeleton width="40%" height="0.9rem" />
            <Skeleton width="75%" height="0.8rem" />
          </div>
        </div>
      ))}
    </div>
  );
}
