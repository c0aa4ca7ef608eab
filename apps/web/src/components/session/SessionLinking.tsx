'use client';

import { useState } from 'react';
import { Button } from 'primereact/button';
import { useT } from '@/i18n';
import { QrCode } from './QrCode';
import { PairingCodeForm } from './PairingCodeForm';

/** Linking a phone (status "qr"): scan the QR code, or ask for a pairing code instead. */
export function SessionLinking() {
  const t = useT();
  const [method, setMethod] = useState<'qr' | 'phone'>('qr');
  return (
    <div className="session-linking">
      {method === 'qr' ? <QrCode /> : <PairingCodeForm />}
      <Button
        type="button"
        link
        className="session-linking__switch"
        icon={method === 'qr' ? 'pi pi-mobile' : 'pi pi-qrcode'}
        label={method === 'qr' ? t('qr.usePhone') : t('qr.useQr')}
        onClick={() => setMethod(method === 'qr' ? 'phone' : 'qr')}
      />
    </div>
  );
}
