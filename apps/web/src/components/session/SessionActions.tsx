'use client';

import { useState } from 'react';
import { Button } from 'primereact/button';
import { ConfirmDialog } from 'primereact/confirmdialog';
import type { SessionStatus } from '@wasla/protocol';
import { useSession, useSessionActions } from '@/session';
import { useT } from '@/i18n';
import { useErrorText } from '@/i18n/errors';
import { formatPhone } from '@/lib/phone';

type Action = 'start' | 'restart' | 'stop' | 'logout';

const CAN_START: ReadonlySet<SessionStatus> = new Set(['stopped', 'logged_out', 'failed']);
const CAN_RESTART: ReadonlySet<SessionStatus> = new Set(['connecting', 'qr', 'pairing', 'ready', 'disconnected']);
/** Linking in progress: nothing to unlink yet, but it can be called off. */
const CAN_CANCEL: ReadonlySet<SessionStatus> = new Set(['connecting', 'qr', 'pairing']);

/** The admin's controls: connect, restart, and log out (unlink) after a confirmation. */
export function SessionActions() {
  const t = useT();
  const errorText = useErrorText();
  const status = useSession((session) => session.status);
  const phoneNumber = useSession((session) => session.phoneNumber);
  const actions = useSessionActions();
  const [pending, setPending] = useState<Action | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirmingLogout, setConfirmingLogout] = useState(false);

  const run = async (action: Action) => {
    setPending(action);
    setError(null);
    try {
      await actions[action]();
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setPending(null);
    }
  };

  return (
    <div className="session-actions">
      <div className="session-actions__buttons">
        {CAN_START.has(status) ? (
          <Button type="button" icon="pi pi-play" label={t('actions.connect')} loading={pending === 'start'} disabled={pending !== null} onClick={() => void run('start')} />
        ) : null}
        {CAN_RESTART.has(status) ? (
          <Button type="button" outlined icon="pi pi-refresh" label={t('actions.restart')} loading={pending === 'restart'} disabled={pending !== null} onClick={() => void run('restart')} />
        ) : null}
        {!phoneNumber && CAN_CANCEL.has(status) ? (
          <Button type="button" outlined severity="secondary" icon="pi pi-stop" label={t('actions.stop')} loading={pending === 'stop'} disabled={pending !== null} onClick={() => void run('stop')} />
        ) : null}
        {phoneNumber && status !== 'logged_out' ? (
          <Button
            type="button"
            outlined
            severity="danger"
            icon="pi pi-sign-out icon-directional"
            label={t('actions.logout')}
            loading={pending === 'logout'}
            disabled={pending !== null}
            onClick={() => setConfirmingLogout(true)}
          />
        ) : null}
      </div>
      {error ? <p className="form-error" role="alert"><i className="pi pi-exclamation-triangle" aria-hidden="true" /> {error}</p> : null}
      <ConfirmDialog
        visible={confirmingLogout}
        onHide={() => setConfirmingLogout(false)}
        header={t('actions.logoutConfirmTitle')}
        message={phoneNumber ? t('actions.logoutConfirm', { phone: formatPhone(phoneNumber) }) : t('actions.logoutConfirmNoPhone')}
        icon="pi pi-exclamation-triangle"
        acceptLabel={t('actions.logoutAccept')}
        rejectLabel={t('actions.cancel')}
        acceptClassName="p-button-danger"
        defaultFocus="reject"
        accept={() => void run('logout')}
      />
    </div>
  );
}
