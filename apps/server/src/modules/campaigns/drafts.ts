import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { DEFAULT_CAMPAIGN_LIMITS, DEFAULT_CAMPAIGN_OPTIONS, campaignLimitsSchema, withoutDirectionMarks } from '@wasla/protocol';
import type { Campaign, CampaignLimits, CampaignOptions, CreateCampaignRequest, ImportResult, RecipientInput, TemplatePreview, UpdateCampaignRequest } from '@wasla/protocol';
import { AppError } from '../../errors/app-error.js';
import type { SessionService } from '../sessions/service.js';
import { importRecipientsCsv } from './csv-import.js';
import { recipientsFromJson, toNewRecipient } from './recipients.js';
import type { NewRecipient, RecipientsRepository } from './recipients-repository.js';
import type { CampaignRecord, CampaignsRepository } from './repository.js';
import { renderTemplate, templateVariables } from './template.js';

export interface CampaignDraftsOptions {
  repository: CampaignsRepository;
  recipients: RecipientsRepository;
  sessions: SessionService;
  defaultCountry: string;
  /** A campaign as the API answers it (with its counts). */
  read(id: string): Promise<Campaign>;
  present(record: CampaignRecord): Promise<Campaign>;
  now?: () => Date;
}

/** A campaign's audience, template and limits can change only while it is a draft. */
export function requireDraft(record: CampaignRecord): void {
  if (record.status !== 'draft') throw notDraft();
}

/**
 * Drafts: creating a campaign, changing its name, template, limits and schedule, and
 * building its audience from CSV or JSON — every import in one transaction, so a file
 * that fails adds nothing.
 */
export class CampaignDrafts {
  constructor(private readonly options: CampaignDraftsOptions) {}

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /** A schedule as stored: ISO UTC, or null for "at once". A time already past is refused. */
  private schedule(value: string | null | undefined): string | null {
    const iso = normalizeSchedule(value);
    if (iso !== null) assertNotPast(iso, this.now());
    return iso;
  }

  private async record(id: string): Promise<CampaignRecord> {
    const record = await this.options.repository.get(id);
    if (!record) throw new AppError('not_found', 'There is no campaign with that id.');
    return record;
  }

  async create(input: CreateCampaignRequest, createdBy: string | null): Promise<Campaign> {
    const sessionId = input.sessionId ?? 'default';
    if (!this.options.sessions.has(sessionId)) throw new AppError('session_not_found', `There is no WhatsApp session named "${sessionId}".`);
    templateVariables(input.template);
    const limits = mergeLimits(DEFAULT_CAMPAIGN_LIMITS, input.limits);
    const at = this.now().toISOString();
    const record: CampaignRecord = {
      id: randomUUID(),
      sessionId,
      name: campaignName(input.name),
      template: input.template,
      status: 'draft',
      limits,
      options: mergeOptions(DEFAULT_CAMPAIGN_OPTIONS, input.options),
      scheduledAt: this.schedule(input.scheduledAt),
      pause: null,
      createdAt: at,
      updatedAt: at,
      startedAt: null,
      finishedAt: null,
    };
    const { repository, recipients } = this.options;
    await repository.db.transaction().execute(async (trx) => {
      await repository.insert({ ...record, createdBy }, trx);
      if (input.recipients?.length) {
        const { rows } = recipientsFromJson(input.recipients, this.options.defaultCountry, new Set());
        await recipients.insertRecipients(trx, record.id, 0, rows, at);
      }
    });
    return this.options.present(record);
  }

  async update(id: string, input: UpdateCampaignRequest): Promise<Campaign> {
    const record = await this.record(id);
    requireDraft(record);
    if (input.template !== undefined) templateVariables(input.template);
    const changed = await this.options.repository.updateDraft(
      id,
      {
        ...(input.name !== undefined ? { name: campaignName(input.name) } : {}),
        ...(input.template !== undefined ? { template: input.template } : {}),
        ...(input.limits !== undefined ? { limits: mergeLimits(record.limits, input.limits) } : {}),
        ...(input.options !== undefined ? { options: mergeOptions(record.options, input.options) } : {}),
        ...(input.scheduledAt !== undefined ? { scheduledAt: this.schedule(input.scheduledAt) } : {}),
      },
      this.now().toISOString(),
    );
    if (!changed) throw notDraft();
    return this.options.read(id);
  }

  async remove(id: string): Promise<void> {
    await this.record(id);
    if (!(await this.options.repository.deleteDraft(id))) throw new AppError('invalid_campaign_state', 'Only a draft can be deleted; cancel a started campaign instead.');
  }

  /** Adds recipients from JSON (the API's `recipients`), like a CSV import. */
  async addRecipients(id: string, inputs: RecipientInput[]): Promise<ImportResult> {
    return this.importInto(id, async (existing, store) => {
      const { rows, summary, variables } = recipientsFromJson(inputs, this.options.defaultCountry, existing);
      await store(rows);
      return { ...summary, variables };
    });
  }

  /** Imports a CSV file; a file that fails imports nothing (one transaction). */
  async importCsv(id: string, source: Readable): Promise<ImportResult> {
    return this.importInto(id, (existing, store) =>
      importRecipientsCsv(source, {
        defaultCountry: this.options.defaultCountry,
        existing,
        onBatch: (rows) => store(rows.map(toNewRecipient)),
      }),
    );
  }

  private async importInto(
    id: string,
    read: (existing: ReadonlySet<string>, store: (rows: NewRecipient[]) => Promise<void>) => Promise<Omit<ImportResult, 'campaign'>>,
  ): Promise<ImportResult> {
    const { repository, recipients } = this.options;
    const at = this.now().toISOString();
    const summary = await repository.db.transaction().execute(async (trx) => {
      const record = await repository.get(id, trx);
      if (!record) throw new AppError('not_found', 'There is no campaign with that id.');
      requireDraft(record);
      let seq = await recipients.maxSeq(id, trx);
      const existing = await recipients.phones(id, trx);
      return read(existing, async (rows) => {
        seq = await recipients.insertRecipients(trx, id, seq, rows, at);
      });
    });
    return { ...summary, campaign: await this.options.read(id) };
  }

  async clearRecipients(id: string): Promise<Campaign> {
    requireDraft(await this.record(id));
    await this.options.recipients.clearRecipients(id);
    return this.options.read(id);
  }

  async preview(id: string, template: string, seq?: number): Promise<TemplatePreview> {
    await this.record(id);
    templateVariables(template);
    const recipient = seq !== undefined ? await this.options.recipients.recipient(id, seq) : await this.options.recipients.firstRecipient(id);
    if (seq !== undefined && !recipient) throw new AppError('not_found', `The campaign has no recipient ${seq}.`);
    if (!recipient) return { text: template, missing: [], recipient: null };
    return { ...renderTemplate(template, recipient), recipient };
  }
}

function notDraft(): AppError {
  return new AppError('invalid_campaign_state', 'The campaign has started: its audience, template and limits can no longer change.');
}


function mergeLimits(base: CampaignLimits, change: CreateCampaignRequest['limits']): CampaignLimits {
  const merged = { ...base, ...Object.fromEntries(Object.entries(change ?? {}).filter(([, value]) => value !== undefined)) };
  const parsed = campaignLimitsSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('validation_failed', `limits.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`, { field: 'limits' });
  }
  return parsed.data;
}

/** Browser and server clocks may differ a little: a time this far back still counts as now. */
export const SCHEDULE_GRACE_MS = 60_000;

/** Refuses a scheduled time in the past (400 `schedule_in_past`), naming it and the server's now. */
export function assertNotPast(scheduledAt: string, now: Date): void {
  if (new Date(scheduledAt).getTime() < now.getTime() - SCHEDULE_GRACE_MS) {
    throw new AppError('schedule_in_past', `The scheduled time ${scheduledAt} has passed (it is now ${now.toISOString()}): choose a later time, or start at once.`, {
      field: 'scheduledAt',
      scheduledAt,
      now: now.toISOString(),
    });
  }
}

/** A name as stored: trimmed, without invisible direction marks (a name that is only marks is refused). */
export function campaignName(name: string): string {
  const clean = withoutDirectionMarks(name).trim();
  if (clean === '') throw new AppError('validation_failed', 'name: give the campaign a name.', { field: 'name' });
  return clean;
}

function mergeOptions(base: CampaignOptions, change: Partial<CampaignOptions> | undefined): CampaignOptions {
  return { ...base, ...Object.fromEntries(Object.entries(change ?? {}).filter(([, value]) => value !== undefined)) };
}

function normalizeSchedule(value: string | null | undefined): string | null {
  return value ? new Date(value).toISOString() : null;
}
