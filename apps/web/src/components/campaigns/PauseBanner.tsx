'use client';

import type { ReactNode } from 'react';
import Link from 'next/link';
import type { Campaign } from '@wasla/protocol';
import { useFormat, useI18n, useT } from '@/i18n';
import { SessionStatusBadge } from '@/components/session/SessionStatusBadge';

/**
 * Why a campaign is paused, as loud as it matters: WhatsApp restricting the account is
 * a red alert (sending stopped to protect the number); a lost session is a notice that
 * it resumes by itself; a person's pause is a quiet line.
 */
export function PauseBanner({ pause }: { pause: NonNullable<Campaign['pause']> }) {
  const t = useT();
  const format = useFormat();
  // The server's reason is an English sentence: shown in English, a tooltip otherwise.
  const serverWords = useI18n().locale === 'en';
  const at = <time dateTime={pause.at}>{format.dateTime(pause.at)}</time>;
  switch (pause.code) {
    case 'account_restricted':
      return (
        <Banner tone="danger" icon="pi-ban" code={pause.code} title={t('pause.restricted.title')}>
          <p>{t('pause.restricted.text')}</p>
          <p>{t('pause.restricted.next')}</p>
          <p className="banner__meta" title={serverWords ? pause.reason : undefined}>
            {t('pause.since')} {at}
            {pause.reason && serverWords ? <span> · {pause.reason}</span> : null}
          </p>
        </Banner>
      );
    case 'session_not_ready':
      return (
        <Banner tone="warn" icon="pi-wifi" code={pause.code} title={t('pause.session.title')}>
          <p>{t('pause.session.text')}</p>
          <p className="banner__meta">
            <SessionStatusBadge /> · {t('pause.since')} {at} ·{' '}
            <Link href="/" className="notice__link">
              {t('compose.goToDashboard')} <i className="pi pi-arrow-right icon-directional" aria-hidden="true" />
            </Link>
          </p>
        </Banner>
      );
    case 'user':
      return (
        <Banner tone="info" icon="pi-pause" code={pause.code} title={t('pause.user.title')}>
          <p>{t('pause.user.text')}</p>
          <p className="banner__meta">{t('pause.since')} {at}</p>
        </Banner>
      );
  }
}

/** One banner: a danger banner is an alert (read out at once), the others a status. */
function Banner({ tone, icon, code, title, children }: { tone: 'danger' | 'warn' | 'info'; icon: string; code: string; title: string; children: ReactNode }) {
  return (
    <div className={`banner banner--${tone}`} role={tone === 'danger' ? 'alert' : 'status'} data-pause-code={code}>
      <i className={`pi ${icon} banner__icon`} aria-hidden="true" />
      <div className="banner__body">
        <p className="banner__title">{title}</p>
        {children}
      </div>
    </div>
  );
}
