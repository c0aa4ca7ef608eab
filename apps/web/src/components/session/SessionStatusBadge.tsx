'use client';

import { useSession } from '@/session';
import { useT } from '@/i18n';
import { STATUS_ICON, statusKey } from './status';

/**
 * The session status in a word, with its colour and icon. While Wasla can't be reached
 * the status is not known: the badge says so, with the last known status, in grey.
 */
export function SessionStatusBadge({ className }: { className?: string }) {
  const { status, isKnown, isLoading } = useSession((session) => ({ status: session.status, isKnown: session.isKnown, isLoading: session.isLoading }));
  const t = useT();
  const unknown = !isKnown && !isLoading;
  return (
    <span
      className={`status-pill status-pill--${unknown ? 'unknown' : status}${className ? ` ${className}` : ''}`}
      data-session-status={status}
      data-session-known={isKnown ? 'true' : 'false'}
    >
      <i className={`pi ${unknown ? 'pi-question-circle' : STATUS_ICON[status]}`} aria-hidden="true" />
      <span>{unknown ? t('status.unknown', { last: t(statusKey(status)) }) : t(statusKey(status))}</span>
    </span>
  );
}
