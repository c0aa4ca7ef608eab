'use client';

import { useState } from 'react';
import { Button } from 'primereact/button';
import { ConfirmDialog } from 'primereact/confirmdialog';
import { useSession, useSessionActions } from '@/session';
import { useFormat, useT } from '@/i18n';
import { useErrorText } from '@/i18n/errors';

/**
 * WhatsApp restricted the number (an ack with error 463): a stored state of the session,
 * shown on the session card and on Messages with what ends it — a person lifting it here
 * (or "Resume anyway" on a campaign it paused) once WhatsApp has.
 */
export function RestrictionNotice() {
  const t = useT();
  const format = useFormat();
  const errorText = useErrorText();
  const restriction = useSession((session) => session.restriction);
  const { liftRestriction } = useSessionActions();
  const [confirming, setConfirming] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!restriction) return null;

  const lift = async () => {
    setPending(true);
    setError(null);
    try {
      await liftRestriction();
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setPending(false);
    }
  };

  return (
    <div className="notice notice--error restriction-notice" role="status" data-session-restriction={restriction.code}>
      <i className="pi pi-ban" aria-hidden="true" />
      <div>
        <p className="notice__title">{t('restriction.title', { code: restriction.code })}</p>
        <p>{t('restriction.since', { since: format.preciseDateTime(restriction.since) })}</p>
        <p className="muted">{t('restriction.next')}</p>
        <Button type="button" size="small" outlined severity="danger" icon="pi pi-unlock" label={t('restriction.lift')} loading={pending} disabled={pending} onClick={() => setConfirming(true)} />
        {error ? <p className="form-error" role="alert"><i className="pi pi-exclamation-triangle" aria-hidden="true" /> {error}</p> : null}
        <ConfirmDialog
          visible={confirming}
          onHide={() => setConfirming(false)}
          header={t('restriction.liftConfirmTitle')}
          message={t('restriction.liftConfirm')}
          icon="pi pi-exclamation-triangle"
          acceptLabel={t('restriction.lift')}
          rejectLabel={t('restriction.cancel')}
          defaultFocus="reject"
          accept={() => void lift()}
        />
      </div>
    </div>
  );
}
