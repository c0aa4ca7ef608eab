'use client';

import { useState } from 'react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { Button } from 'primereact/button';
import type { Campaign } from '@wasla/protocol';
import { useFormat, useT } from '@/i18n';
import { useErrorText } from '@/i18n/errors';
import { campaignsApi } from '@/lib/campaigns';
import { useNotify } from '@/components/common/ToastProvider';
import { ConfirmDelete } from '@/components/settings/ConfirmDelete';
import { campaignHref, reportHref } from './links';

type Command = 'pause' | 'resume' | 'cancel';

/**
 * Pause, resume and cancel (after a confirmation), as the status allows; the report
 * link; duplicate; and, once it is over, send again to those whose message failed or
 * whose fate is unknown — a new draft to review and start, never an automatic retry.
 */
export function CampaignActions({ campaign, onChange }: { campaign: Campaign; onChange(campaign: Campaign): void }) {
  const t = useT();
  const format = useFormat();
  const errorText = useErrorText();
  const notify = useNotify();
  const [pending, setPending] = useState<Command | 'duplicate' | 'resend' | null>(null);
  const [confirmingCancel, setConfirmingCancel] = useState(false);
  const [confirmingResume, setConfirmingResume] = useState(false);
  const { status, pause } = campaign;
  const canPause = status === 'running' || status === 'scheduled';
  // A lost session resumes by itself; pressing Resume would change nothing.
  const canResume = status === 'paused' && pause?.code !== 'session_not_ready';
  const canCancel = status === 'running' || status === 'paused' || status === 'scheduled';
  const restricted = pause?.code === 'account_restricted';
  const router = useRouter();
  const over = status === 'completed' || status === 'cancelled';
  const toResend = campaign.counts.failed + campaign.counts.unknown;

  const copy = async (kind: 'duplicate' | 'resend') => {
    setPending(kind);
    try {
      const name = kind === 'duplicate' ? t('campaign.copyName', { name: campaign.name }) : t('campaign.resendName', { name: campaign.name });
      const draft = await campaignsApi[kind](campaign.id, name.slice(0, 120));
      notify({ severity: 'success', summary: t(kind === 'duplicate' ? 'campaign.duplicated' : 'campaign.resendCreated', { count: format.number(draft.counts.total) }) });
      router.push(campaignHref(draft));
    } catch (error) {
      notify({ severity: 'error', summary: errorText(error) });
      setPending(null);
    }
  };

  const send = async (command: Command) => {
    setPending(command);
    try {
      onChange(await campaignsApi.command(campaign.id, command));
    } catch (error) {
      notify({ severity: 'error', summary: errorText(error) });
    } finally {
      setPending(null);
    }
  };

  return (
    <div className="campaign-actions">
      {canPause ? <Button type="button" outlined icon="pi pi-pause" label={t('campaign.pause')} loading={pending === 'pause'} disabled={pending !== null} onClick={() => void send('pause')} /> : null}
      {canResume && !restricted ? <Button type="button" icon="pi pi-play" label={t('campaign.resume')} loading={pending === 'resume'} disabled={pending !== null} onClick={() => void send('resume')} /> : null}
      {canResume && restricted ? (
        <Button type="button" outlined severity="danger" icon="pi pi-play" label={t('campaign.resumeAnyway')} loading={pending === 'resume'} disabled={pending !== null} onClick={() => setConfirmingResume(true)} />
      ) : null}
      {canCancel ? <Button type="button" text severity="danger" icon="pi pi-times" label={t('campaign.cancel')} disabled={pending !== null} onClick={() => setConfirmingCancel(true)} /> : null}
      {over && toResend > 0 ? (
        <Button
          type="button"
          outlined
          icon="pi pi-replay"
          label={t('campaign.resend', { count: format.number(toResend) })}
          loading={pending === 'resend'}
          disabled={pending !== null}
          data-action="resend"
          onClick={() => void copy('resend')}
        />
      ) : null}
      <Button type="button" text icon="pi pi-copy" label={t('campaign.duplicate')} loading={pending === 'duplicate'} disabled={pending !== null} data-action="duplicate" onClick={() => void copy('duplicate')} />
      {status !== 'draft' ? (
        <Link href={reportHref(campaign.id)} className="p-button p-component p-button-text">
          <i className="pi pi-chart-bar p-button-icon p-button-icon-left" aria-hidden="true" />
          <span className="p-button-label">{t('campaign.report')}</span>
        </Link>
      ) : null}
      <ConfirmDelete
        visible={confirmingCancel}
        header={t('campaign.cancelConfirmTitle')}
        message={t('campaign.cancelConfirm', { count: format.number(campaign.counts.pending) })}
        acceptLabel={t('campaign.cancelAccept')}
        rejectLabel={t('campaign.keepSending')}
        onAccept={() => void send('cancel')}
        onHide={() => setConfirmingCancel(false)}
      />
      <ConfirmDelete
        visible={confirmingResume}
        header={t('campaign.resumeConfirmTitle')}
        message={t('campaign.resumeConfirm')}
        acceptLabel={t('campaign.resumeAnyway')}
        rejectLabel={t('campaign.keepPaused')}
        onAccept={() => void send('resume')}
        onHide={() => setConfirmingResume(false)}
      />
    </div>
  );
}
