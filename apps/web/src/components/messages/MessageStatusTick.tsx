'use client';

import type { Message, MessageStatus } from '@wasla/protocol';
import { useT } from '@/i18n';
import type { MessageKey } from '@/i18n';

const LABEL: Record<MessageStatus, MessageKey> = {
  pending: 'messageStatus.pending',
  sent: 'messageStatus.sent',
  delivered: 'messageStatus.delivered',
  read: 'messageStatus.read',
  failed: 'messageStatus.failed',
  unknown: 'messageStatus.unknown',
};

/** WhatsApp-style ticks: a clock, one tick, two ticks, two blue ticks, or the failure in words. */
export function MessageStatusTick({ message }: { message: Pick<Message, 'status' | 'error'> }) {
  const t = useT();
  const { status } = message;
  const label = t(LABEL[status]);
  const title = status === 'failed' && message.error ? t('messageStatus.failedReason', { reason: message.error }) : label;
  return (
    <span className={`tick tick--${status}`} data-message-status={status} title={title}>
      <span className="tick__icons" aria-hidden="true">
        {status === 'pending' ? <i className="pi pi-clock" /> : null}
        {status === 'sent' ? <i className="pi pi-check" /> : null}
        {status === 'delivered' || status === 'read' ? (
          <>
            <i className="pi pi-check" />
            <i className="pi pi-check tick__second" />
          </>
        ) : null}
        {status === 'failed' ? <i className="pi pi-exclamation-circle" /> : null}
        {status === 'unknown' ? <i className="pi pi-question-circle" /> : null}
      </span>
      <span className="tick__label">{label}</span>
    </span>
  );
}
