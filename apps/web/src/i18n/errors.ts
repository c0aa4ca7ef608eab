import { useCallback } from 'react';
import { ApiError } from '@/lib/api';
import { en } from './en';
import type { MessageKey } from './en';
import { useI18n } from './index';
import type { Translate } from './index';

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
  account_restricted: 'errors.account_restricted',
  internal: 'errors.internal',
  schedule_in_past: 'errors.schedule_in_past',
  no_recipients: 'errors.no_recipients',
};

/** `conflict` answers whose reason we can say in words (see the auth service). */
const CONFLICT_REASONS: Partial<Record<string, MessageKey>> = {
  own_role: 'errors.own_role',
  own_account: 'errors.own_account',
  last_admin: 'errors.last_admin',
};

function detail(details: unknown, name: string): unknown {
  return details !== null && typeof details === 'object' ? (details as Record<string, unknown>)[name] : undefined;
}

/** zxcvbn's keys (sent beside its English words) to this language's sentences; unknown keys are left out. */
function passwordAdvice(t: Translate, details: unknown): string[] {
  const known = (key: string): key is MessageKey => key in en;
  const warning = detail(details, 'warningCode');
  const suggestions = detail(details, 'suggestionCodes');
  const keys = [
    ...(typeof warning === 'string' ? [`password.warning.${warning}`] : []),
    ...(Array.isArray(suggestions) ? suggestions.filter((code): code is string => typeof code === 'string').map((code) => `password.suggestion.${code}`) : []),
  ];
  return keys.filter(known).map((key) => t(key));
}

/** The words for an error code whose meaning depends on its details, or null. */
function detailedText(t: Translate, error: ApiError): string | null {
  if (error.code === 'weak_password') {
    if (detail(error.details, 'warningCode') === 'too_short') return t('errors.password_too_short');
    return [t('errors.weak_password'), ...passwordAdvice(t, error.details)].join(' ');
  }
  if (error.code === 'conflict') {
    const reason = detail(error.details, 'reason');
    const key = typeof reason === 'string' ? CONFLICT_REASONS[reason] : undefined;
    return key ? t(key) : null;
  }
  if (error.code === 'rate_limited') {
    const minutes = detail(error.details, 'retryAfterMinutes');
    return typeof minutes === 'number' ? t('errors.rate_limited_minutes', { minutes }) : null;
  }
  return null;
}

/**
 * The words for any other code of the API, in the reader's language. The server's own
 * sentence is English (and often more exact), so it is used in English only.
 */
function codeText(t: Translate, error: ApiError): string | null {
  if (error.code === 'invalid_csv') {
    const line = detail(error.details, 'line');
    if (typeof line === 'number') return t('errors.code.invalid_csv_line', { line });
  }
  if (error.code === 'invalid_phone_number') return t('errors.code.invalid_phone_number', { example: '+966501234567' });
  const key = `errors.code.${error.code}`;
  return key in en ? t(key as MessageKey) : null;
}

/** Turns whatever a request threw into a sentence for the person using the dashboard. */
export function useErrorText(): (error: unknown) => string {
  const { t, locale } = useI18n();
  return useCallback((error: unknown) => {
    if (error instanceof ApiError) {
      const detailed = detailedText(t, error);
      if (detailed) return detailed;
      const key = TRANSLATED[error.code];
      if (key) return t(key);
      if (locale !== 'en' || !error.message) {
        const words = codeText(t, error);
        if (words) return words;
      }
      // No Wasla error body: a proxy or gateway answered (the server is down or restarting).
      if (error.code.startsWith('http_') && error.status >= 502) return t('errors.network');
      if (error.code.startsWith('http_') && error.status >= 500) return t('errors.internal');
      if (error.message) return error.message;
      return t(error.status >= 500 ? 'errors.internal' : 'errors.unexpected');
    }
    return t('errors.unexpected');
  }, [t, locale]);
}
