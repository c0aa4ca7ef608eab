import type { CampaignStatus, CampaignWaitCode, RecipientStatus, SkipReason } from '@wasla/protocol';
import type { MessageKey, Translate } from '@/i18n';

type TagSeverity = 'success' | 'info' | 'warning' | 'danger' | 'secondary' | null;

/** How each campaign status looks: its words, a Tag colour and an icon. */
export const CAMPAIGN_STATUS: Record<CampaignStatus, { label: MessageKey; severity: TagSeverity; icon: string }> = {
  draft: { label: 'campaignStatus.draft', severity: 'secondary', icon: 'pi-file-edit' },
  scheduled: { label: 'campaignStatus.scheduled', severity: 'info', icon: 'pi-calendar-clock' },
  running: { label: 'campaignStatus.running', severity: null, icon: 'pi-send' },
  paused: { label: 'campaignStatus.paused', severity: 'warning', icon: 'pi-pause' },
  completed: { label: 'campaignStatus.completed', severity: 'success', icon: 'pi-check' },
  cancelled: { label: 'campaignStatus.cancelled', severity: 'danger', icon: 'pi-ban' },
};

export const RECIPIENT_STATUS: Record<RecipientStatus, { label: MessageKey; severity: TagSeverity }> = {
  pending: { label: 'recipientStatus.pending', severity: 'secondary' },
  sent: { label: 'recipientStatus.sent', severity: 'info' },
  delivered: { label: 'recipientStatus.delivered', severity: 'success' },
  read: { label: 'recipientStatus.read', severity: 'success' },
  failed: { label: 'recipientStatus.failed', severity: 'danger' },
  skipped: { label: 'recipientStatus.skipped', severity: 'secondary' },
  unknown: { label: 'recipientStatus.unknown', severity: 'warning' },
};

/** What a waiting campaign says; `until` is filled in as {time}. */
export const WAIT_REASON: Record<CampaignWaitCode, { withTime: MessageKey; withoutTime: MessageKey; icon: string }> = {
  gap: { withTime: 'waiting.gap', withoutTime: 'waiting.gapSoon', icon: 'pi-hourglass' },
  hourly_cap: { withTime: 'waiting.hourly_cap', withoutTime: 'waiting.hourly_capSoon', icon: 'pi-stopwatch' },
  daily_cap: { withTime: 'waiting.daily_cap', withoutTime: 'waiting.daily_capSoon', icon: 'pi-calendar-times' },
  quiet_hours: { withTime: 'waiting.quiet_hours', withoutTime: 'waiting.quiet_hoursSoon', icon: 'pi-moon' },
  schedule: { withTime: 'waiting.schedule', withoutTime: 'waiting.scheduleSoon', icon: 'pi-calendar-clock' },
};

const SKIP_REASON: Record<SkipReason, MessageKey> = {
  opted_out: 'reason.opted_out',
  not_on_whatsapp: 'reason.not_on_whatsapp',
  invalid: 'reason.invalid',
  duplicate: 'reason.duplicate',
  missing_variable: 'reason.missing_variable',
};

/** Failure codes Wasla itself gives; WhatsApp's own codes are shown as they are. */
const FAILURE_REASON: Partial<Record<string, MessageKey>> = {
  missing_variable: 'reason.missing_variable',
  send_failed: 'reason.send_failed',
  interrupted: 'reason.interrupted',
  session_not_ready: 'reason.session_not_ready',
  account_restricted: 'reason.account_restricted',
  // WhatsApp's own code for an account restricted from starting chats.
  '463': 'reason.account_restricted',
  cancelled: 'reason.cancelled',
  error: 'reason.error',
  other: 'reason.other',
};

/** The words for a skip or failure reason code, or null to show the code itself. */
export function reasonKey(code: string): MessageKey | null {
  return (SKIP_REASON as Partial<Record<string, MessageKey>>)[code] ?? FAILURE_REASON[code] ?? null;
}

/** A reason code in words: ours translated, anyone else's (WhatsApp's) as the code itself. */
export function reasonLabel(t: Translate, code: string): string {
  const key = reasonKey(code);
  return key ? t(key) : code.replace(/_/g, ' ');
}
