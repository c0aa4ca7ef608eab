import { DEFAULT_CAMPAIGN_LIMITS } from '@wasla/protocol';
import type { CampaignLimits } from '@wasla/protocol';
import type { MessageKey } from '@/i18n';

/** The limits as the form edits them: gaps in seconds, quiet hours switchable. */
export interface LimitsForm {
  minGapSeconds: number | null;
  maxGapSeconds: number | null;
  hourlyCap: number | null;
  dailyCap: number | null;
  quietHoursOn: boolean;
  quietStart: string;
  quietEnd: string;
  timeZone: string;
}

export type LimitsField = 'minGapSeconds' | 'maxGapSeconds' | 'hourlyCap' | 'dailyCap' | 'quietEnd';
export type LimitsErrors = Partial<Record<LimitsField, MessageKey>>;

const DEFAULT_QUIET = DEFAULT_CAMPAIGN_LIMITS.quietHours ?? { start: '21:00', end: '09:00', timeZone: 'Asia/Riyadh' };

export function limitsToForm(limits: CampaignLimits): LimitsForm {
  const quiet = limits.quietHours ?? DEFAULT_QUIET;
  return {
    minGapSeconds: limits.minGapMs / 1000,
    maxGapSeconds: limits.maxGapMs / 1000,
    hourlyCap: limits.hourlyCap,
    dailyCap: limits.dailyCap,
    quietHoursOn: limits.quietHours !== null,
    quietStart: quiet.start,
    quietEnd: quiet.end,
    timeZone: quiet.timeZone,
  };
}

export const DEFAULT_LIMITS_FORM: LimitsForm = limitsToForm(DEFAULT_CAMPAIGN_LIMITS);

/** The same checks as the server's schema, so mistakes show beside their field before saving. */
export function limitsErrors(form: LimitsForm): LimitsErrors {
  const errors: LimitsErrors = {};
  if (form.minGapSeconds === null) errors.minGapSeconds = 'limits.error.required';
  if (form.maxGapSeconds === null) errors.maxGapSeconds = 'limits.error.required';
  else if (form.minGapSeconds !== null && form.maxGapSeconds < form.minGapSeconds) errors.maxGapSeconds = 'limits.error.maxGap';
  if (form.hourlyCap === null || form.hourlyCap < 1) errors.hourlyCap = 'limits.error.required';
  if (form.dailyCap === null || form.dailyCap < 1) errors.dailyCap = 'limits.error.required';
  else if (form.hourlyCap !== null && form.dailyCap < form.hourlyCap) errors.dailyCap = 'limits.error.dailyCap';
  if (form.quietHoursOn && form.quietStart === form.quietEnd) errors.quietEnd = 'limits.error.quietSame';
  return errors;
}

/** The form as the API's limits; call only when {@link limitsErrors} found nothing. */
export function formToLimits(form: LimitsForm): CampaignLimits {
  return {
    minGapMs: Math.round((form.minGapSeconds ?? 0) * 1000),
    maxGapMs: Math.round((form.maxGapSeconds ?? 0) * 1000),
    hourlyCap: form.hourlyCap ?? 1,
    dailyCap: form.dailyCap ?? 1,
    quietHours: form.quietHoursOn ? { start: form.quietStart, end: form.quietEnd, timeZone: form.timeZone } : null,
  };
}

/** True when the form sends faster, or at night, compared with the safe defaults. */
export function riskierThanDefaults(form: LimitsForm): boolean {
  return (
    (form.minGapSeconds ?? 0) * 1000 < DEFAULT_CAMPAIGN_LIMITS.minGapMs ||
    (form.maxGapSeconds ?? 0) * 1000 < DEFAULT_CAMPAIGN_LIMITS.maxGapMs ||
    (form.hourlyCap ?? 0) > DEFAULT_CAMPAIGN_LIMITS.hourlyCap ||
    (form.dailyCap ?? 0) > DEFAULT_CAMPAIGN_LIMITS.dailyCap ||
    !form.quietHoursOn
  );
}
