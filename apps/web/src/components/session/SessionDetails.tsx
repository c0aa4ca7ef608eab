'use client';

import { ProgressSpinner } from 'primereact/progressspinner';
import type { SessionStatus } from '@wasla/protocol';
import { useSession } from '@/session';
import { useFormat, useT } from '@/i18n';
import type { MessageKey } from '@/i18n';
import { useNow } from '@/hooks/useNow';
import { formatPhone } from '@/lib/phone';
import { sessionErrorKey, statusKey } from './status';

const LEAD: Record<Exclude<SessionStatus, 'qr' | 'pairing'>, MessageKey> = {
  stopped: 'session.stopped',
  connecting: 'session.connecting',
  ready: 'session.ready',
  disconnected: 'session.disconnected',
  logged_out: 'session.loggedOut',
  failed: 'session.failed',
};

/**
 * Every status but the linking ones: what is happening, why, and the linked number. While
 * Wasla can't be reached the status is not known: the card says so and names the last one
 * it knew (any status, a linking one too), rather than what may no longer be true.
 */
export function SessionDetails({ status }: { status: SessionStatus }) {
  const t = useT();
  const format = useFormat();
  const phoneNumber = useSession((session) => session.phoneNumber);
  const lastUpdate = useSession((session) => session.lastUpdate);
  const error = useSession((session) => session.error);
  const errorCode = useSession((session) => session.errorCode);
  const isKnown = useSession((session) => session.isKnown);
  const reasonKey = sessionErrorKey(errorCode);
  // The server's own words (a code we have no text for) keep their direction in an Arabic page.
  const reason = reasonKey ? t(reasonKey) : error ? <bdi dir="auto">{error}</bdi> : null;
  const showReason = reason !== null && (status === 'disconnected' || status === 'failed' || status === 'logged_out');
  const linking = status === 'qr' || status === 'pairing';
  const lead = isKnown && !linking ? t(LEAD[status]) : t('session.notKnownLead', { status: t(statusKey(status)) });

  return (
    <div className="session-details">
      <div className="session-card__lead" data-session-status={status} data-session-known={isKnown ? 'true' : 'false'}>
        {status === 'connecting' && isKnown ? <ProgressSpinner className="inline-spinner" strokeWidth="6" aria-hidden="true" /> : null}
        <p>{lead}</p>
      </div>
      {showReason ? (
        <p className={`session-details__reason session-details__reason--${status}`}>
          <i className="pi pi-info-circle" aria-hidden="true" /> {reason}
        </p>
      ) : null}
      {status === 'disconnected' && isKnown ? <RetryCountdown /> : null}
      <dl className="facts">
        {phoneNumber ? (
          <div className="facts__item">
            <dt>{t('session.phone')}</dt>
            <dd><bdi dir="ltr" className="phone-number">{formatPhone(phoneNumber)}</bdi></dd>
          </div>
        ) : null}
        {lastUpdate ? (
          <div className="facts__item">
            <dt>{t('session.lastUpdate')}</dt>
            <dd><time dateTime={lastUpdate.toISOString()}>{format.dateTime(lastUpdate)}</time></dd>
          </div>
        ) : null}
      </dl>
    </div>
  );
}

function RetryCountdown() {
  const t = useT();
  const format = useFormat();
  const nextRetryAt = useSession((session) => session.nextRetryAt);
  const now = useNow(nextRetryAt !== null);
  if (!nextRetryAt) return null;
  const at = Date.parse(nextRetryAt);
  return <p className="muted">{at > now ? t('session.retryIn', { when: format.relative(at, now) }) : t('session.retryNow')}</p>;
}
