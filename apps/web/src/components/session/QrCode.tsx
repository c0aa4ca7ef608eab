'use client';

import { useState } from 'react';
import { useSession } from '@/session';
import { useFormat, useT } from '@/i18n';
import { useNow } from '@/hooks/useNow';

/** The live QR code with the steps to scan it and a countdown to its expiry. */
export function QrCode() {
  const t = useT();
  const qrCode = useSession((session) => session.qrCode);
  const qrExpiresAt = useSession((session) => session.qrExpiresAt);
  return (
    <div className="qr">
      <div className="qr__frame">
        {/* A data: URL from the session state; next/image would add nothing here. */}
        {qrCode ? <img className="qr__image" src={qrCode} alt={t('qr.alt')} width={264} height={264} /> : <div className="qr__image qr__image--empty" />}
        {qrExpiresAt ? <QrCountdown key={qrExpiresAt} expiresAt={qrExpiresAt} /> : null}
      </div>
      <div className="qr__steps">
        <h3 className="qr__title">{t('qr.title')}</h3>
        <ol>
          <li>{t('qr.step1')}</li>
          <li>{t('qr.step2')}</li>
          <li>{t('qr.step3')}</li>
        </ol>
      </div>
    </div>
  );
}

function QrCountdown({ expiresAt }: { expiresAt: string }) {
  const t = useT();
  const format = useFormat();
  const expires = Date.parse(expiresAt);
  const now = useNow(true, 500);
  // The first QR lives longer than the next ones; measure this one's life from when it appeared.
  const [lifetime] = useState(() => Math.max(1, expires - Date.now()));
  const remaining = Math.max(0, expires - now);
  const expired = remaining === 0;
  return (
    <div className={`qr__countdown${expired ? ' qr__countdown--expired' : ''}`}>
      <div className="qr__bar" aria-hidden="true">
        <div className="qr__bar-fill" style={{ inlineSize: `${Math.min(100, (remaining / lifetime) * 100)}%` }} />
      </div>
      <p className="muted">{expired ? t('qr.expired') : t('qr.expiresIn', { when: format.relative(expires, now) })}</p>
    </div>
  );
}
