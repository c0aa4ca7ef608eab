'use client';

import { useState } from 'react';
import type { FormEvent } from 'react';
import { Button } from 'primereact/button';
import { useSessionActions } from '@/session';
import { useT } from '@/i18n';
import { useErrorText } from '@/i18n/errors';
import { checkPhone } from '@/lib/phone';
import { PhoneNumberField } from '@/components/common/PhoneNumberField';

/** Link by pairing code: the number of the phone to link; the code then appears in the state. */
export function PairingCodeForm() {
  const t = useT();
  const errorText = useErrorText();
  const { requestPairingCode } = useSessionActions();
  const [phone, setPhone] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const check = checkPhone(phone);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (check.kind !== 'valid') return;
    setPending(true);
    setError(null);
    try {
      await requestPairingCode(check.e164);
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setPending(false);
    }
  };

  return (
    <form className="pairing-form" onSubmit={(event) => void submit(event)} noValidate>
      <h3 className="qr__title">{t('pairing.title')}</h3>
      <p className="muted">{t('pairing.intro')}</p>
      <PhoneNumberField id="pairing-phone" name="phoneNumber" label={t('pairing.phone')} value={phone} check={check} onChange={setPhone} validKey="phone.validLink" disabled={pending} />
      {error ? <p className="form-error" role="alert"><i className="pi pi-exclamation-triangle" aria-hidden="true" /> {error}</p> : null}
      <Button type="submit" icon="pi pi-key" label={t('pairing.submit')} loading={pending} disabled={check.kind !== 'valid'} />
    </form>
  );
}
