'use client';

import { ProgressSpinner } from 'primereact/progressspinner';
import { useT } from '@/i18n';
import { ErrorState } from './ErrorState';

/** What the app shows before it knows who is signed in: a spinner, or why it can't tell. */
export function FullPageStatus({ error, onRetry }: { error?: unknown; onRetry?: () => void }) {
  const t = useT();
  return (
    <div className="full-page-status">
      <div className="full-page-status__brand" aria-hidden="true">
        <i className="pi pi-whatsapp" />
        <span>{t('app.name')}</span>
      </div>
      {error === undefined ? (
        <div role="status" className="full-page-status__loading">
          <ProgressSpinner style={{ width: '2.5rem', height: '2.5rem' }} strokeWidth="4" aria-hidden="true" />
          <span>{t('app.loading')}</span>
        </div>
      ) : (
        <ErrorState error={error} onRetry={onRetry} />
      )}
    </div>
  );
}
