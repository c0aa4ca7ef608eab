'use client';

import { useSession } from '@/session';
import { useT } from '@/i18n';
import { formatPhone } from '@/lib/phone';

/** The linked WhatsApp number, in the topbar of every page, while there is one. */
export function LinkedNumber() {
  const phoneNumber = useSession((session) => session.phoneNumber);
  const t = useT();
  if (!phoneNumber) return null;
  return (
    <span className="linked-number" dir="ltr" title={t('topbar.linkedNumber')} data-linked-number={phoneNumber}>
      <i className="pi pi-phone" aria-hidden="true" />
      {formatPhone(phoneNumber)}
    </span>
  );
}
