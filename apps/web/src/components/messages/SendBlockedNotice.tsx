'use client';

import Link from 'next/link';
import type { SessionStatus } from '@wasla/protocol';
import { useSession } from '@/session';
import { useT } from '@/i18n';
import type { MessageKey } from '@/i18n';

const REASON: Record<Exclude<SessionStatus, 'ready'>, MessageKey> = {
  stopped: 'send.blocked.stopped',
  connecting: 'send.blocked.connecting',
  qr: 'send.blocked.qr',
  pairing: 'send.blocked.pairing',
  disconnected: 'send.blocked.disconnected',
  logged_out: 'send.blocked.logged_out',
  failed: 'send.blocked.failed',
};

/** Why sending is off right now, in words, with the way to the session card. */
export function SendBlockedNotice({ id }: { id: string }) {
  const t = useT();
  const status = useSession((session) => session.status);
  const isKnown = useSession((session) => session.isKnown);
  const restricted = useSession((session) => session.restriction !== null);
  if (status === 'ready' && !restricted) return null;
  return (
    <div id={id} className="notice notice--warn" role="status" data-session-status={status} data-session-known={isKnown ? 'true' : 'false'}>
      <i className="pi pi-info-circle" aria-hidden="true" />
      <div>
        <p>{restricted || status === 'ready' ? t('send.blocked.restricted') : t(REASON[status])}</p>
        <Link href="/" className="notice__link">
          {t('compose.goToDashboard')} <i className="pi pi-arrow-right icon-directional" aria-hidden="true" />
        </Link>
      </div>
    </div>
  );
}
