'use client';

import { useSession } from '@/session';
import { useT } from '@/i18n';

/** Status "pairing": the code to type on the phone, in two groups of four, left to right. */
export function PairingCodeView() {
  const t = useT();
  const pairingCode = useSession((session) => session.pairingCode);
  const grouped = pairingCode && pairingCode.length === 8 ? `${pairingCode.slice(0, 4)}-${pairingCode.slice(4)}` : pairingCode;
  return (
    <div className="pairing-view">
      <p>{t('pairing.step1')}</p>
      <p>{t('pairing.step2')}</p>
      <output className="pairing-view__code" dir="ltr" aria-label={t('pairing.codeLabel')}>
        {grouped ?? '— — — —'}
      </output>
    </div>
  );
}
