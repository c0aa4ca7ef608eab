import { z } from 'zod';

/**
 * A campaign's lifecycle. `draft` until started; `scheduled` when started with a
 * future `scheduledAt`; `running` while its outbox works through it (it may be waiting
 * for a gap, a cap or quiet hours: see `waiting`); `paused` by a person, by the session
 * leaving `ready`, or by WhatsApp restricting the account (see `pause`); then one of
 * `completed` or `cancelled`, which are final.
 */
export const CAMPAIGN_STATUSES = ['draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled'] as const;
export const campaignStatusSchema = z.enum(CAMPAIGN_STATUSES);
export type CampaignStatus = z.infer<typeof campaignStatusSchema>;

/** Why a campaign is paused. Only `session_not_ready` resumes by itself. */
export const CAMPAIGN_PAUSE_CODES = ['user', 'session_not_ready', 'account_restricted'] as const;
export const campaignPauseCodeSchema = z.enum(CAMPAIGN_PAUSE_CODES);
export type CampaignPauseCode = z.infer<typeof campaignPauseCodeSchema>;

/** What a running campaign is waiting for before its next message. */
export const CAMPAIGN_WAIT_CODES = ['gap', 'hourly_cap', 'daily_cap', 'quiet_hours', 'schedule'] as const;
export const campaignWaitCodeSchema = z.enum(CAMPAIGN_WAIT_CODES);
export type CampaignWaitCode = z.infer<typeof campaignWaitCodeSchema>;

/**
 * A recipient's fate. `pending` until its turn; then the message's own lifecycle
 * (`sent` → `delivered` → `read`, or `failed` with a reason); `skipped` with a reason
 * when it is never sent; `unknown` when a crash left it unclear whether WhatsApp got the
 * message — never resent.
 */
export const RECIPIENT_STATUSES = ['pending', 'sent', 'delivered', 'read', 'failed', 'skipped', 'unknown'] as const;
export const recipientStatusSchema = z.enum(RECIPIENT_STATUSES);
export type RecipientStatus = z.infer<typeof recipientStatusSchema>;

/** `missing_variable`: the campaign skips rows without a value for a variable the template uses (see `CampaignOptions`). */
export const SKIP_REASONS = ['opted_out', 'not_on_whatsapp', 'invalid', 'duplicate', 'missing_variable'] as const;
export const skipReasonSchema = z.enum(SKIP_REASONS);
export type SkipReason = z.infer<typeof skipReasonSchema>;

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM (24-hour)');

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** No message is sent from `start` until `end` (it may wrap past midnight) in `timeZone`. */
export const quietHoursSchema = z
  .object({
    start: timeOfDay,
    end: timeOfDay,
    timeZone: z.string().min(1).max(64).refine(isTimeZone, 'an IANA time zone such as Asia/Riyadh'),
  })
  .refine((q) => q.start !== q.end, { message: 'quiet hours must start and end at different times', path: ['end'] });
export type QuietHours = z.infer<typeof quietHoursSchema>;

const campaignLimitFields = z.object({
  minGapMs: z.number().int().min(0).max(3_600_000),
  maxGapMs: z.number().int().min(0).max(3_600_000),
  /** At most this many campaign messages in any 60 minutes. */
  hourlyCap: z.number().int().min(1).max(100_000),
  /** At most this many campaign messages in any 24 hours. */
  dailyCap: z.number().int().min(1).max(1_000_000),
  quietHours: quietHoursSchema.nullable(),
});

/** Sending limits of a campaign. Caps count every campaign message the session sent in the window. */
export const campaignLimitsSchema = campaignLimitFields
  .refine((l) => l.maxGapMs >= l.minGapMs, { message: 'maxGapMs must be at least minGapMs', path: ['maxGapMs'] })
  .refine((l) => l.dailyCap >= l.hourlyCap, { message: 'dailyCap must be at least hourlyCap', path: ['dailyCap'] });
export type CampaignLimits = z.infer<typeof campaignLimitsSchema>;

/**
 * Safe defaults: a human-looking pace (one message every 8–20 s, so at most ~300 an hour
 * without the cap), well under the volumes that get new numbers restricted, and silence
 * at night in Saudi Arabia.
 */
export const DEFAULT_CAMPAIGN_LIMITS: CampaignLimits = Object.freeze({
  minGapMs: 8_000,
  maxGapMs: 20_000,
  hourlyCap: 120,
  dailyCap: 600,
  quietHours: Object.freeze({ start: '21:00', end: '09:00', timeZone: 'Asia/Riyadh' }),
});

/** Names usable as `{{variables}}`: letters, digits and underscores, not starting with a digit. */
export const VARIABLE_NAME_PATTERN = /^[\p{L}_][\p{L}\p{N}_]*$/u;
export const TEMPLATE_MAX_LENGTH = 4096;

/** `{{ name }}` or `{{ name | fallback }}`: a variable between double braces, spaces allowed inside. */
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** One placeholder of a template as written: its variable's name, and the value used when a recipient has none. */
export interface TemplatePlaceholder {
  /** The placeholder as written, e.g. `{{ city | Riyadh }}`. */
  whole: string;
  /** The text between the braces before any `|`, trimmed; a valid name only if it matches `VARIABLE_NAME_PATTERN`. */
  name: string;
  /** The text after the first `|`, trimmed (it may be empty: send nothing); null without a `|`. */
  fallback: string | null;
  index: number;
}

/** Every placeholder in a template, in order: the one reading of the syntax for the server and the editor. */
export function templatePlaceholders(template: string): TemplatePlaceholder[] {
  const found: TemplatePlaceholder[] = [];
  for (const match of template.matchAll(PLACEHOLDER)) {
    const inner = match[1] ?? '';
    const bar = inner.indexOf('|');
    found.push({
      whole: match[0],
      name: (bar === -1 ? inner : inner.slice(0, bar)).trim(),
      fallback: bar === -1 ? null : inner.slice(bar + 1).trim(),
      index: match.index,
    });
  }
  return found;
}

/** Characters that change the direction of text but show nothing (LRM, RLM, ALM, embeddings, overrides and isolates). */
const DIRECTION_MARKS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/** `text` without invisible direction marks (names are compared, searched and exported as typed). */
export function withoutDirectionMarks(text: string): string {
  return text.replace(DIRECTION_MARKS, '');
}

/**
 * What a campaign does with a recipient that has no value for a variable the template
 * uses and no fallback: `refuse` to start until the audience or template is fixed
 * (the default), or `skip` the recipient (counted as skipped, reason `missing_variable`).
 */
export const campaignOptionsSchema = z.object({
  missingValues: z.enum(['refuse', 'skip']),
});
export type CampaignOptions = z.infer<typeof campaignOptionsSchema>;
export const DEFAULT_CAMPAIGN_OPTIONS: CampaignOptions = Object.freeze({ missingValues: 'refuse' });

/** One recipient as given through the API: `phone`, optional `name`, any other string field a variable. */
export const recipientInputSchema = z
  .object({ phone: z.string().min(1).max(64), name: z.string().max(200).optional() })
  .catchall(z.union([z.string().max(1000), z.number()]));
export type RecipientInput = z.infer<typeof recipientInputSchema>;

export const createCampaignRequestSchema = z.object({
  name: z.string().trim().min(1).max(120),
  template: z.string().min(1).max(TEMPLATE_MAX_LENGTH),
  sessionId: z.string().optional(),
  /** Omitted fields take the defaults in `DEFAULT_CAMPAIGN_LIMITS`; the whole is checked once merged. */
  limits: campaignLimitFields.partial().optional(),
  /** When to start sending once started; null or omitted: at once. A time in the past is refused. */
  scheduledAt: z.iso.datetime({ offset: true }).nullable().optional(),
  /** Omitted fields take the defaults in `DEFAULT_CAMPAIGN_OPTIONS`. */
  options: campaignOptionsSchema.partial().optional(),
  recipients: z.array(recipientInputSchema).max(10_000).optional(),
});
export type CreateCampaignRequest = z.infer<typeof createCampaignRequestSchema>;

/** A draft's name, template, limits, schedule and options can change until it starts. */
export const updateCampaignRequestSchema = createCampaignRequestSchema.omit({ recipients: true, sessionId: true }).partial();
export type UpdateCampaignRequest = z.infer<typeof updateCampaignRequestSchema>;

/**
 * A campaign's counts, defined once for every screen, report and export (see
 * `countRecipient`): `sent` is every message WhatsApp accepted, so it includes the
 * delivered and the read; `delivered` includes the read. `total` is
 * `pending + sent + failed + skipped + unknown`.
 */
export const recipientCountsSchema = z.object({
  total: z.number().int(),
  pending: z.number().int(),
  /** Accepted by WhatsApp: includes `delivered` and `read`. */
  sent: z.number().int(),
  /** Reached the phone: includes `read`. */
  delivered: z.number().int(),
  read: z.number().int(),
  failed: z.number().int(),
  skipped: z.number().int(),
  unknown: z.number().int(),
});
export type RecipientCounts = z.infer<typeof recipientCountsSchema>;

/** Counts with nothing in them. */
export function emptyRecipientCounts(): RecipientCounts {
  return { total: 0, pending: 0, sent: 0, delivered: 0, read: 0, failed: 0, skipped: 0, unknown: 0 };
}

/**
 * Adds `n` recipients in `status` to `counts`: the one definition of the counts (and of
 * a report's totals). A read message was also delivered and sent; a delivered one sent.
 */
export function countRecipient(
  counts: Pick<RecipientCounts, 'pending' | 'sent' | 'delivered' | 'read' | 'failed' | 'skipped' | 'unknown'> & { total?: number },
  status: RecipientStatus,
  n = 1,
): void {
  switch (status) {
    case 'read':
      counts.read += n;
      counts.delivered += n;
      counts.sent += n;
      break;
    case 'delivered':
      counts.delivered += n;
      counts.sent += n;
      break;
    default:
      counts[status] += n;
  }
  if (counts.total !== undefined) counts.total += n;
}

export const campaignSchema = z.object({
  id: z.string(),
  sessionId: z.string(),
  name: z.string(),
  template: z.string(),
  /** The `{{variables}}` the template uses, in order of first use. */
  variables: z.array(z.string()),
  status: campaignStatusSchema,
  limits: campaignLimitsSchema,
  options: campaignOptionsSchema,
  scheduledAt: z.string().nullable(),
  pause: z.object({ code: campaignPauseCodeSchema, reason: z.string(), at: z.string() }).nullable(),
  /** Set while running and holding back: what for, and until when (null: until the session is ready). */
  waiting: z.object({ code: campaignWaitCodeSchema, until: z.string().nullable() }).nullable(),
  counts: recipientCountsSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type Campaign = z.infer<typeof campaignSchema>;

export const recipientSchema = z.object({
  /** Position in the audience, from 1; the order messages go out in. */
  seq: z.number().int(),
  /** E.164 when valid; otherwise what the file said. */
  phone: z.string(),
  name: z.string().nullable(),
  variables: z.record(z.string(), z.string()),
  status: recipientStatusSchema,
  /** For `skipped`, a `SkipReason`; for `failed`, WhatsApp's or Wasla's error code. */
  reason: z.string().nullable(),
  /** A sentence for people, for `failed` and `skipped`. */
  error: z.string().nullable(),
  /** The CSV line it came from, when imported from a file. */
  line: z.number().int().nullable(),
  messageId: z.string().nullable(),
  sentAt: z.string().nullable(),
  updatedAt: z.string(),
});
export type Recipient = z.infer<typeof recipientSchema>;

/** A row the import could not use as given, by its line in the file (header = line 1). */
export const importProblemSchema = z.object({
  line: z.number().int().nullable(),
  code: z.enum(['invalid', 'duplicate']),
  message: z.string(),
  phone: z.string().nullable(),
});
export type ImportProblem = z.infer<typeof importProblemSchema>;

/** The answer to an import: rows with problems are kept as `skipped` and listed here. */
export const importResultSchema = z.object({
  /** Rows read (not counting the header). */
  rows: z.number().int(),
  /** New recipients that will be sent to. */
  accepted: z.number().int(),
  invalid: z.number().int(),
  duplicates: z.number().int(),
  /** The variable columns found (every column but phone and name). */
  variables: z.array(z.string()),
  /** The first problems (at most 1000), in file order. */
  problems: z.array(importProblemSchema),
  campaign: campaignSchema,
});
export type ImportResult = z.infer<typeof importResultSchema>;

export const templatePreviewRequestSchema = z.object({
  template: z.string().min(1).max(TEMPLATE_MAX_LENGTH),
  /** Preview for this recipient of the campaign; omitted: the first one. */
  seq: z.number().int().min(1).optional(),
});
export const templatePreviewSchema = z.object({
  text: z.string(),
  /** Variables the template uses that this recipient has no value for. */
  missing: z.array(z.string()),
  recipient: recipientSchema.nullable(),
});
export type TemplatePreview = z.infer<typeof templatePreviewSchema>;

/** A variable some recipients have no value for (and the template gives no fallback). */
export const missingVariableSchema = z.object({
  variable: z.string(),
  count: z.number().int(),
  /** The first such recipient, to preview. */
  firstSeq: z.number().int(),
});
export type MissingVariable = z.infer<typeof missingVariableSchema>;

/** What to check instead of the stored template and options (all optional). */
export const campaignReadinessRequestSchema = z.object({
  template: z.string().min(1).max(TEMPLATE_MAX_LENGTH).optional(),
  options: campaignOptionsSchema.partial().optional(),
});
export type CampaignReadinessRequest = z.infer<typeof campaignReadinessRequestSchema>;

/**
 * Whether Start will work, and who will actually receive the message: the pending
 * recipients less the opted-out and, when the campaign skips them, those missing a value.
 * The same check Start makes.
 */
export const campaignReadinessSchema = z.object({
  /** Start will work (the session's state aside: a campaign started while it is away waits for it). */
  ready: z.boolean(),
  /** Will be sent to when the campaign runs. */
  willReceive: z.number().int(),
  /** Pending recipients on the opt-out list: they will be skipped. */
  optedOut: z.number().int(),
  /** Pending recipients missing a value (not opted out); skipped when `options.missingValues` is `skip`, otherwise Start refuses. */
  missingValues: z.number().int(),
  missing: z.array(missingVariableSchema),
  /** Already skipped at import (invalid or duplicate numbers). */
  skipped: z.number().int(),
  /** Why Start would refuse, as error codes: `no_recipients`, `missing_variables`, `schedule_in_past`. */
  problems: z.array(z.enum(['no_recipients', 'missing_variables', 'schedule_in_past'])),
});
export type CampaignReadiness = z.infer<typeof campaignReadinessSchema>;

/** Live progress, on `/ws` as `campaign_progress`. */
export const campaignProgressSchema = z.object({
  campaignId: z.string(),
  sessionId: z.string(),
  status: campaignStatusSchema,
  pause: campaignSchema.shape.pause,
  waiting: campaignSchema.shape.waiting,
  counts: recipientCountsSchema,
  /** Messages sent per minute over the last few minutes. */
  ratePerMinute: z.number(),
  /** Seconds until the last pending recipient is sent at the current pace; null when unknown. */
  etaSeconds: z.number().nullable(),
  at: z.string(),
});
export type CampaignProgress = z.infer<typeof campaignProgressSchema>;

/** Counts by reason, e.g. `{ not_on_whatsapp: 3, opted_out: 1 }`. */
const byReason = z.record(z.string(), z.number().int());

/** Report totals for one campaign or for every message in a date range. */
export const reportTotalsSchema = z.object({
  sent: z.number().int(),
  delivered: z.number().int(),
  read: z.number().int(),
  failed: z.number().int(),
  skipped: z.number().int(),
  unknown: z.number().int(),
  pending: z.number().int(),
  failedByReason: byReason,
  skippedByReason: byReason,
});
export type ReportTotals = z.infer<typeof reportTotalsSchema>;

/**
 * `sent` counts every message WhatsApp accepted, so it includes the delivered and read;
 * `delivered` includes the read. Rates are fractions of `sent`.
 */
export const reportDaySchema = z.object({
  /** YYYY-MM-DD in the report's time zone. */
  day: z.string(),
  sent: z.number().int(),
  delivered: z.number().int(),
  read: z.number().int(),
  failed: z.number().int(),
});

export const campaignReportSchema = z.object({
  campaign: campaignSchema,
  totals: reportTotalsSchema,
});
export type CampaignReport = z.infer<typeof campaignReportSchema>;

export const rangeReportQuerySchema = z.object({
  from: z.iso.date(),
  to: z.iso.date(),
  timeZone: z.string().refine(isTimeZone, 'an IANA time zone').default('UTC'),
  sessionId: z.string().optional(),
});
export const rangeReportSchema = z.object({
  from: z.string(),
  to: z.string(),
  timeZone: z.string(),
  /** Every outgoing message in the range, single sends and campaigns alike. */
  totals: reportTotalsSchema,
  days: z.array(reportDaySchema),
  campaigns: z.array(z.object({ id: z.string(), name: z.string(), status: campaignStatusSchema, totals: reportTotalsSchema })),
});
export type RangeReport = z.infer<typeof rangeReportSchema>;

export const suppressionSchema = z.object({
  phone: z.string(),
  /** `reply` when the person replied with an opt-out word; `manual` when staff added it. */
  source: z.enum(['reply', 'manual']),
  createdAt: z.string(),
});
export type Suppression = z.infer<typeof suppressionSchema>;
