import { useCallback } from 'react';
import { ApiError } from '@/lib/api';
import type { MessageKey } from './en';
import { useT } from './index';

/** Server error codes whose words we translate; any other code shows the server's own message. */
const TRANSLATED: Partial<Record<string, MessageKey>> = {
  network: 'errors.network',
  invalid_credentials: 'errors.invalid_credentials',
  rate_limited: 'errors.rate_limited',
  unauthenticated: 'errors.unauthenticated',
  forbidden: 'errors.forbidden',
  csrf_rejected: 'errors.csrf_rejected',
  origin_refused: 'errors.origin_refused',
  session_not_ready: 'errors.session_not_ready',
  internal: 'errors.internal',
  schedule_in_past: 'errors.schedule_in_past',
  no_recipients: 'errors.no_recipients',
};

/** Turns whatever a request threw into a sentence for the person using the dashboard. */
export function useErrorText(): (error: unknown) => string {
  const t = useT();
  return useCallback((error: unknown) => {
    if (error instanceof ApiError) {
      const key = TRANSLATED[error.code];
      if (key) return t(key);
      // No Wasla error body: a proxy or gateway answered (the server is down or restarting).
      if (error.code.startsWith('http_') && error.status >= 502) return t('errors.network');
      if (error.code.startsWith('http_') && error.status >= 500) return t('errors.internal');
      if (error.message) return error.message;
      return t(error.status >= 500 ? 'errors.internal' : 'errors.unexpected');
    }
    return t('errors.unexpected');
  }, [t]);
}
