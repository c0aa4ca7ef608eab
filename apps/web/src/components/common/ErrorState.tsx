'use client';

import { Button } from 'primereact/button';
import { Message } from 'primereact/message';
import { useT } from '@/i18n';
import { useErrorText } from '@/i18n/errors';

/** A failed load or action: the reason in words and, when it can help, a retry. */
export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: (() => void) | undefined }) {
  const t = useT();
  const errorText = useErrorText();
  return (
    <Message
      severity="error"
      className="error-state"
      role="alert"
      content={
        <div className="error-state__body">
          <i className="pi pi-exclamation-triangle" aria-hidden="true" />
          <span className="error-state__text">{errorText(error)}</span>
          {onRetry ? <Button type="button" size="small" outlined severity="danger" icon="pi pi-refresh" label={t('common.retry')} onClick={onRetry} /> : null}
        </div>
      }
    />
  );
}
