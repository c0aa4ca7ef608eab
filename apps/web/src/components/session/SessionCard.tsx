'use client';

import { Skeleton } from 'primereact/skeleton';
import type { SessionStatus } from '@wasla/protocol';
import { useSession } from '@/session';
import { useT } from '@/i18n';
import { useCurrentUser } from '@/auth/CurrentUserProvider';
import { SessionStatusBadge } from './SessionStatusBadge';
import { SessionDetails } from './SessionDetails';
import { SessionLinking } from './SessionLinking';
import { PairingCodeView } from './PairingCodeView';
import { SessionActions } from './SessionActions';
import { RestrictionNotice } from './RestrictionNotice';

/**
 * The seed's EnhancedQRStatusCard: the session's status, what to do about it (scan the
 * QR, type the pairing code, wait for a reconnect), the linked number, and the admin's
 * controls. Everything comes from useSession(); the card never asks the server itself.
 */
export function SessionCard() {
  const t = useT();
  const status = useSession((session) => session.status);
  const isLoading = useSession((session) => session.isLoading);
  const isKnown = useSession((session) => session.isKnown);
  const { isAdmin } = useCurrentUser();

  return (
    <section className="card session-card" aria-labelledby="session-card-title" aria-busy={isLoading}>
      <header className="card__header">
        <h2 id="session-card-title" className="card__title">
          <i className="pi pi-whatsapp" aria-hidden="true" />
          {t('session.title')}
        </h2>
        <SessionStatusBadge className="status-pill--large" />
      </header>
      {isLoading ? null : <RestrictionNotice />}
      <div className="session-card__body" data-session-status={status} data-session-known={isKnown ? 'true' : 'false'}>
        {isLoading ? <SessionSkeleton label={t('session.loading')} /> : <SessionBody status={status} isKnown={isKnown} isAdmin={isAdmin} />}
      </div>
      {isLoading ? null : (
        <footer className="session-card__footer">
          {isAdmin ? (
            <SessionActions />
          ) : (
            <p className="muted">
              <i className="pi pi-lock" aria-hidden="true" /> {t('session.adminOnly')}
            </p>
          )}
        </footer>
      )}
    </section>
  );
}

function SessionBody({ status, isKnown, isAdmin }: { status: SessionStatus; isKnown: boolean; isAdmin: boolean }) {
  const t = useT();
  // A QR or pairing code from before Wasla went out of reach may have expired since: not shown.
  if (!isKnown) return <SessionDetails status={status} />;
  switch (status) {
    case 'qr':
      return isAdmin ? <SessionLinking /> : <p className="session-card__lead">{t('session.operatorQr')}</p>;
    case 'pairing':
      return isAdmin ? <PairingCodeView /> : <p className="session-card__lead">{t('session.operatorPairing')}</p>;
    default:
      return <SessionDetails status={status} />;
  }
}

function SessionSkeleton({ label }: { label: string }) {
  return (
    <div className="session-card__skeleton" role="status" aria-label={label}>
      <Skeleton width="60%" height="1.25rem" />
      <Skeleton width="40%" height="1rem" />
      <Skeleton width="12rem" height="12rem" />
    </div>
  );
}
