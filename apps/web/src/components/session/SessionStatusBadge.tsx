'use client';

import { useSession } from '@/session';
import { useT } from '@/i18n';
import { STATUS_ICON, statusKey } from './status';

/** The session status in a word, with its colour and icon. */
export function SessionStatusBadge({ className }: { className?: string }) {
  const status = useSession((session) => session.status);
  const t = useT();
  return (
    <span className={`status-pill status-pill--${status}${className ? ` ${className}` : ''}`} data-session-status={status}>
      <i className={`pi ${STATUS_ICON[status]}`} aria-hidden="true" />
      <span>{t(statusKey(status))}</span>
    </span>
  );
}
