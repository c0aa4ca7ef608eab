'use client';

import { useEffect, useRef, useState } from 'react';
import { useSession } from '@/session';
import { useFormat, useT } from '@/i18n';
import { statusKey } from './status';

/** How long "the status is known again" stays on screen. */
const BACK_NOTICE_MS = 15_000;

/**
 * Says when the session's status shown on this page is not known — Wasla can't be
 * reached, so whatever WhatsApp did since is unseen — with the last known status and
 * since when; and says it again, for a moment, once Wasla answers and the truth is back.
 * Shown on every page, under the top bar.
 */
export function SessionKnownNotice() {
  const t = useT();
  const format = useFormat();
  const { status, isKnown, unknownSince, lastUpdate } = useSession((session) => ({
    status: session.status,
    isKnown: session.isKnown,
    unknownSince: session.unknownSince?.getTime() ?? null,
    lastUpdate: session.lastUpdate?.getTime() ?? null,
  }));
  const [backAt, setBackAt] = useState<number | null>(null);
  const wasUnknown = useRef(false);
  const hasState = lastUpdate !== null;

  useEffect(() => {
    if (!hasState) return;
    if (!isKnown) {
      wasUnknown.current = true;
      setBackAt(null);
      return;
    }
    if (!wasUnknown.current) return;
    wasUnknown.current = false;
    setBackAt(Date.now());
    const timer = window.setTimeout(() => setBackAt(null), BACK_NOTICE_MS);
    return () => window.clearTimeout(timer);
  }, [isKnown, hasState]);

  if (!hasState) return null;
  const statusText = t(statusKey(status));
  if (!isKnown) {
    return (
      <div className="notice notice--warn session-known-notice" role="status" data-session-status={status} data-session-known="false">
        <i className="pi pi-question-circle" aria-hidden="true" />
        <div>
          <p className="notice__title">{t('sessionKnown.unknownTitle')}</p>
          <p>
            {unknownSince ? t('sessionKnown.unreachableSince', { since: format.moment(unknownSince, Date.now()) }) : t('sessionKnown.unreachable')}{' '}
            {t('sessionKnown.lastKnown', { status: statusText, since: format.moment(lastUpdate, Date.now()) })}
          </p>
          <p className="muted">{t('sessionKnown.updatesItself')}</p>
        </div>
      </div>
    );
  }
  if (backAt === null) return null;
  return (
    <div className="notice notice--info session-known-notice" role="status" data-session-status={status} data-session-known="true">
      <i className="pi pi-check-circle" aria-hidden="true" />
      <p>{t('sessionKnown.back', { status: statusText, at: format.moment(backAt, Date.now()) })}</p>
    </div>
  );
}
