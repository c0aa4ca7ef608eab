import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { DEFAULT_CAMPAIGN_LIMITS, campaignLimitsSchema } from '@wasla/protocol';
import type {
  Campaign,
  CampaignLimits,
  CampaignPauseCode,
  CampaignProgress,
  CampaignReport,
  CampaignStatus,
  CampaignWaitCode,
  CreateCampaignRequest,
  ImportResult,
  MessageStatusEvent,
  RecipientInput,
  RecipientStatus,
  SessionState,
  TemplatePreview,
  UpdateCampaignRequest,
} from '@wasla/protocol';
import { AppError } from '../../errors/app-error.js';
import type { ReceiptUpdate } from '../../whatsapp/provider.js';
import type { MessageService } from '../messages/service.js';
import type { EventBus } from '../sessions/events.js';
import type { SessionService } from '../sessions/service.js';
import type { SuppressionsRepository } from '../suppressions/repository.js';
import { importRecipientsCsv } from './csv-import.js';
import { SessionOutbox } from './outbox.js';
import type { OutboxHost } from './outbox.js';
import { recipientsFromJson } from './recipients.js';
import { totalsFromGroups } from './repository.js';
import type { CampaignRecord, CampaignsRepository, NewRecipient } from './repository.js';
import { renderTemplate, templateVariables } from './template.js';

export interface CampaignServiceOptions {
  repository: CampaignsRepository;
  suppressions: SuppressionsRepository;
  sessions: SessionService;
  messages: MessageService;
  bus: EventBus;
  logger: Logger;
  defaultCountry: string;
  /** Longest a `campaign_progress` stream is quiet while recipients change (default 250 ms). */
  progressIntervalMs?: number;
  ackTimeoutMs?: number;
  now?: () => Date;
  random?: () => number;
}

/** Sends counted for the rate: the last five minutes. */
const RATE_WINDOW_MS = 5 * 60_000;
const MAX_TIMER_MS = 2_147_483_647;

const ACTIVE: CampaignStatus[] = ['running', 'paused', 'scheduled'];

/**
 * Campaigns: their audience, template and limits, their lifecycle, live progress and
 * reports. Sending itself is each session's `SessionOutbox`; this service decides
 * which campaigns run and tells the outboxes to look again.
 */
export class CampaignService implements OutboxHost {
  private readonly outboxes = new Map<string, SessionOutbox>();
  private readonly waits = new Map<string, { code: CampaignWaitCode; until: Date | null }>();
  private readonly sends = new Map<string, number[]>();
  private readonly progressTimers = new Map<string, NodeJS.Timeout>();
  private readonly lastProgress = new Map<string, number>();
  private readonly scheduleTimers = new Map<string, NodeJS.Timeout>();
  private readonly readiness = new Map<string, boolean>();
  /** Changes of campaign status are made one at a time, in order. */
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: CampaignServiceOptions) {}

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Settles what a crash left behind (claimed messages become `unknown`), follows the
   * sessions' readiness and receipts, and picks up running and scheduled campaigns.
   */
  async boot(): Promise<void> {
    const { repository, bus, sessions } = this.options;
    const touched = await repository.recoverInterrupted('Wasla stopped while this message was being sent; it was not resent.', this.now().toISOString());
    if (touched.length > 0) this.options.logger.warn({ campaigns: touched.length }, 'recovered campaign messages interrupted by a stop');
    bus.on('session_update', this.onSessionUpdate);
    bus.on('message_status', this.onMessageStatus);
    for (const sessionId of await repository.sessionsWithStatus(ACTIVE)) {
      if (!sessions.has(sessionId)) continue;
      await this.followReadiness(sessions.state(sessionId));
      for (const campaign of await repository.bySessionAndStatus(sessionId, ['scheduled'])) this.arm(campaign);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.options.bus.off('session_update', this.onSessionUpdate);
    this.options.bus.off('message_status', this.onMessageStatus);
    for (const timer of [...this.scheduleTimers.values(), ...this.progressTimers.values()]) clearTimeout(timer);
    await Promise.all([...this.outboxes.values()].map((outbox) => outbox.stop()));
    await this.queue;
  }

  // ---- Reading ----

  async get(id: string): Promise<Campaign> {
    return this.present(await this.record(id));
  }

  async list(query: { status?: CampaignStatus; sessionId?: string; cursor?: string; limit: number }): Promise<{ items: Campaign[]; nextCursor: string | null }> {
    const page = await this.options.repository.list(query);
    return { items: await Promise.all(page.items.map((record) => this.present(record))), nextCursor: page.nextCursor };
  }

  recipients(id: string, query: { status?: RecipientStatus; cursor?: string; limit: number }) {
    return this.record(id).then(() => this.options.repository.recipients(id, query));
  }

  private async record(id: string): Promise<CampaignRecord> {
    const record = await this.options.repository.get(id);
    if (!record) throw new AppError('not_found', 'There is no campaign with that id.');
    return record;
  }

  private async present(record: CampaignRecord): Promise<Campaign> {
    const wait = record.status === 'running' ? this.waits.get(record.id) : undefined;
    return {
      ...record,
      variables: safeVariables(record.template),
      waiting: wait ? { code: wait.code, until: wait.until?.toISOString() ?? null } : null,
      counts: await this.options.repository.counts(record.id),
    };
  }

  // ---- Drafts ----

  async create(input: CreateCampaignRequest, createdBy: string | null): Promise<Campaign> {
    const sessionId = input.sessionId ?? 'default';
    if (!this.options.sessions.has(sessionId)) throw new AppError('session_not_found', `There is no WhatsApp session named "${sessionId}".`);
    templateVariables(input.template);
    const limits = mergeLimits(DEFAULT_CAMPAIGN_LIMITS, input.limits);
    const at = this.now().toISOString();
    const record: CampaignRecord = {
      id: randomUUID(),
      sessionId,
      name: input.name,
      template: input.template,
      status: 'draft',
      limits,
      scheduledAt: normalizeSchedule(input.scheduledAt),
      pause: null,
      createdAt: at,
      updatedAt: at,
      startedAt: null,
      finishedAt: null,
    };
    const { repository } = this.options;
    await repository.db.transaction().execute(async (trx) => {
      await repository.insert({ ...record, createdBy }, trx);
      if (input.recipients?.length) {
        const rows = recipientsFromJson(input.recipients, this.options.defaultCountry, new Set());
        await repository.insertRecipients(trx, record.id, 0, rows, at);
      }
    });
    return this.present(record);
  }

  async update(id: string, input: UpdateCampaignRequest): Promise<Campaign> {
    const record = await this.record(id);
    this.requireDraft(record);
    if (input.template !== undefined) templateVariables(input.template);
    const changed = await this.options.repository.updateDraft(
      id,
      {
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.template !== undefined ? { template: input.template } : {}),
        ...(input.limits !== undefined ? { limits: mergeLimits(record.limits, input.limits) } : {}),
        ...(input.scheduledAt !== undefined ? { scheduledAt: normalizeSchedule(input.scheduledAt) } : {}),
      },
      this.now().toISOString(),
    );
    if (!changed) throw notDraft();
    return this.get(id);
  }

  async remove(id: string): Promise<void> {
    await this.record(id);
    if (!(await this.options.repository.deleteDraft(id))) throw new AppError('invalid_campaign_state', 'Only a draft can be deleted; cancel a started campaign instead.');
  }

  /** Adds recipients from JSON (the API's `recipients`), like a CSV import. */
  async addRecipients(id: string, inputs: RecipientInput[]): Promise<ImportResult> {
    return this.importInto(id, async (existing, store) => {
      const rows = recipientsFromJson(inputs, this.options.defaultCountry, existing);
      await store(rows);
      return summarize(rows, inputs.length);
    });
  }

  /** Imports a CSV file; a file that fails imports nothing (one transaction). */
  async importCsv(id: string, source: Readable): Promise<ImportResult> {
    return this.importInto(id, (existing, store) =>
      importRecipientsCsv(source, {
        defaultCountry: this.options.defaultCountry,
        existing,
        onBatch: (rows) =>
          store(
            rows.map((row) => ({
              phone: row.phone,
              name: row.name,
              variables: row.variables,
              line: row.line,
              status: row.skip ? 'skipped' : 'pending',
              reason: row.skip,
              error: row.error,
            })),
          ),
      }),
    );
  }

  private async importInto(
    id: string,
    read: (existing: ReadonlySet<string>, store: (rows: NewRecipient[]) => Promise<void>) => Promise<Omit<ImportResult, 'campaign'>>,
  ): Promise<ImportResult> {
    const { repository } = this.options;
    const at = this.now().toISOString();
    const summary = await repository.db.transaction().execute(async (trx) => {
      const record = await repository.get(id, trx);
      if (!record) throw new AppError('not_found', 'There is no campaign with that id.');
      this.requireDraft(record);
      let seq = await repository.maxSeq(id, trx);
      const existing = await repository.phones(id, trx);
      return read(existing, async (rows) => {
        seq = await repository.insertRecipients(trx, id, seq, rows, at);
      });
    });
    return { ...summary, campaign: await this.get(id) };
  }

  async clearRecipients(id: string): Promise<Campaign> {
    this.requireDraft(await this.record(id));
    await this.options.repository.clearRecipients(id);
    return this.get(id);
  }

  async preview(id: string, template: string, seq?: number): Promise<TemplatePreview> {
    await this.record(id);
    templateVariables(template);
    const recipient = seq !== undefined ? await this.options.repository.recipient(id, seq) : await this.options.repository.firstRecipient(id);
    if (seq !== undefined && !recipient) throw new AppError('not_found', `The campaign has no recipient ${seq}.`);
    if (!recipient) return { text: template, missing: [], recipient: null };
    return { ...renderTemplate(template, recipient), recipient };
  }

  private requireDraft(record: CampaignRecord): void {
    if (record.status !== 'draft') throw notDraft();
  }

  // ---- Lifecycle ----

  /** Starts a draft: at once, or at its `scheduledAt`. Refuses when a recipient lacks a variable. */
  start(id: string): Promise<Campaign> {
    return this.serial(async () => {
      const record = await this.record(id);
      this.requireDraft(record);
      const counts = await this.options.repository.counts(id);
      if (counts.pending === 0) {
        throw new AppError('no_recipients', counts.total === 0 ? 'The campaign has no recipients: import a CSV file or add recipients first.' : 'None of the recipients can be sent to (all were skipped).');
      }
      const missing = await this.options.repository.missingVariables(id, record.template);
      if (missing.length > 0) {
        const list = missing.map((m) => `{{${m.variable}}} for ${m.count} recipient${m.count === 1 ? '' : 's'} (first: #${m.firstSeq})`).join('; ');
        throw new AppError('missing_variables', `Some recipients have no value for a variable the template uses: ${list}. Fill them in the file or change the template.`, { missing });
      }
      const at = this.now();
      if (record.scheduledAt && new Date(record.scheduledAt) > at) {
        await this.options.repository.setStatus(id, ['draft'], 'scheduled', { at: at.toISOString() });
        this.arm({ ...record, status: 'scheduled' });
      } else {
        await this.begin(record, ['draft'], { started: true });
      }
      return this.afterChange(id);
    });
  }

  pause(id: string): Promise<Campaign> {
    return this.serial(async () => {
      const record = await this.record(id);
      if (record.status === 'paused' && record.pause?.code === 'user') return this.present(record);
      const paused = await this.options.repository.setStatus(id, ['running', 'scheduled', 'paused'], 'paused', {
        at: this.now().toISOString(),
        pause: { code: 'user', reason: 'Paused by a person.' },
      });
      if (!paused) throw new AppError('invalid_campaign_state', `A ${record.status} campaign can't be paused.`);
      this.disarm(id);
      return this.afterChange(id);
    });
  }

  resume(id: string): Promise<Campaign> {
    return this.serial(async () => {
      const record = await this.record(id);
      if (record.status !== 'paused') throw new AppError('invalid_campaign_state', `Only a paused campaign can be resumed; this one is ${record.status}.`);
      if (record.pause?.code === 'account_restricted') this.outbox(record.sessionId).clearRestriction();
      if (!record.startedAt && record.scheduledAt && new Date(record.scheduledAt) > this.now()) {
        // Paused before its time came: it waits for its time again.
        await this.options.repository.setStatus(id, ['paused'], 'scheduled', { at: this.now().toISOString(), pause: null });
        this.arm({ ...record, status: 'scheduled' });
      } else {
        await this.begin(record, ['paused'], { started: !record.startedAt });
      }
      return this.afterChange(id);
    });
  }

  cancel(id: string): Promise<Campaign> {
    return this.serial(async () => {
      const record = await this.record(id);
      const cancelled = await this.options.repository.setStatus(id, ['draft', 'scheduled', 'running', 'paused'], 'cancelled', {
        at: this.now().toISOString(),
        pause: null,
        finished: true,
      });
      if (!cancelled) throw new AppError('invalid_campaign_state', `A ${record.status} campaign can't be cancelled.`);
      this.disarm(id);
      return this.afterChange(id);
    });
  }

  /** Running when the session is ready, otherwise paused until it is. */
  private async begin(record: CampaignRecord, from: CampaignStatus[], change: { started?: boolean }): Promise<void> {
    const at = this.now().toISOString();
    const outbox = this.outbox(record.sessionId);
    const restricted = outbox.restriction;
    const ready = this.sessionReady(record.sessionId);
    const pause: { code: CampaignPauseCode; reason: string } | null = restricted
      ? { code: 'account_restricted', reason: restricted }
      : ready
        ? null
        : { code: 'session_not_ready', reason: notReadyReason(this.options.sessions.state(record.sessionId)) };
    await this.options.repository.setStatus(record.id, from, pause ? 'paused' : 'running', { at, pause, ...change });
    outbox.wake();
  }

  private async afterChange(id: string): Promise<Campaign> {
    const campaign = await this.get(id);
    this.publishNow(campaign);
    return campaign;
  }

  private arm(record: CampaignRecord): void {
    this.disarm(record.id);
    const due = record.scheduledAt ? new Date(record.scheduledAt).getTime() - this.now().getTime() : 0;
    const timer = setTimeout(() => {
      this.scheduleTimers.delete(record.id);
      if (due > MAX_TIMER_MS) return this.arm(record);
      void this.serial(async () => {
        const current = await this.options.repository.get(record.id);
        if (current?.status === 'scheduled') await this.begin(current, ['scheduled'], { started: true });
        return this.afterChange(record.id);
      }).catch((error: unknown) => this.options.logger.error({ err: error, campaignId: record.id }, 'could not start a scheduled campaign'));
    }, Math.min(Math.max(0, due), MAX_TIMER_MS));
    timer.unref();
    this.scheduleTimers.set(record.id, timer);
  }

  private disarm(id: string): void {
    const timer = this.scheduleTimers.get(id);
    if (timer) clearTimeout(timer);
    this.scheduleTimers.delete(id);
  }

  // ---- Following the session ----

  private sessionReady(sessionId: string): boolean {
    return this.options.sessions.has(sessionId) && this.options.sessions.state(sessionId).status === 'ready';
  }

  private readonly onSessionUpdate = (state: SessionState): void => {
    const ready = state.status === 'ready';
    if (this.readiness.get(state.sessionId) === ready) return;
    void this.followReadiness(state).catch((error: unknown) => this.options.logger.error({ err: error, sessionId: state.sessionId }, 'could not follow the session'));
  };

  /**
   * Running campaigns pause when their session stops being ready, and those it paused
   * run again when it is ready. A ban pauses them as a restriction, which only a person
   * lifts.
   */
  private followReadiness(state: SessionState): Promise<void> {
    const ready = state.status === 'ready';
    this.readiness.set(state.sessionId, ready);
    return this.serial(async () => {
      const { repository } = this.options;
      const at = this.now().toISOString();
      const outbox = this.outbox(state.sessionId);
      outbox.wake();
      const banned = state.errorCode === 'forbidden';
      const candidates = await repository.bySessionAndStatus(state.sessionId, ready ? ['paused'] : ['running', 'paused']);
      for (const campaign of candidates) {
        if (ready && campaign.pause?.code === 'session_not_ready') {
          await repository.setStatus(campaign.id, ['paused'], 'running', { at, pause: null });
        } else if (!ready && (campaign.status === 'running' || (banned && campaign.pause?.code === 'session_not_ready'))) {
          const pause: { code: CampaignPauseCode; reason: string } = banned
            ? { code: 'account_restricted', reason: 'WhatsApp banned this number, so sending stopped.' }
            : { code: 'session_not_ready', reason: notReadyReason(state) };
          await repository.setStatus(campaign.id, [campaign.status], 'paused', { at, pause });
        } else {
          continue;
        }
        await this.afterChange(campaign.id);
      }
      // Again now that the campaigns it resumed are running.
      outbox.wake();
    });
  }

  private readonly onMessageStatus = (event: MessageStatusEvent): void => {
    if (event.status === 'pending') return;
    const reason = event.status === 'failed' ? event.errorCode : null;
    this.options.repository
      .applyMessageStatus(event.id, event.status, reason, event.status === 'failed' ? event.error : null, event.updatedAt)
      .then((campaignId) => campaignId && this.progress(campaignId))
      .catch((error: unknown) => this.options.logger.error({ err: error }, 'could not apply a message status to its campaign'));
  };

  /** Receipts straight from WhatsApp, for the outbox that waits for them. */
  receipts(sessionId: string, updates: ReceiptUpdate[]): void {
    this.outboxes.get(sessionId)?.receipts(updates);
  }

  private outbox(sessionId: string): SessionOutbox {
    let outbox = this.outboxes.get(sessionId);
    if (!outbox) {
      const { repository, suppressions, sessions, messages, logger, ackTimeoutMs, now, random } = this.options;
      outbox = new SessionOutbox({
        sessionId,
        repository,
        suppressions,
        sessions,
        messages,
        host: this,
        logger,
        ...(ackTimeoutMs !== undefined ? { ackTimeoutMs } : {}),
        ...(now ? { now } : {}),
        ...(random ? { random } : {}),
      });
      this.outboxes.set(sessionId, outbox);
      if (!this.closed) outbox.start();
    }
    return outbox;
  }

  // ---- OutboxHost ----

  sent(campaignId: string, at: Date): void {
    const times = this.sends.get(campaignId) ?? [];
    times.push(at.getTime());
    while (times.length > 0 && (times[0] ?? 0) < at.getTime() - RATE_WINDOW_MS) times.shift();
    this.sends.set(campaignId, times);
    this.progress(campaignId);
  }

  waiting(campaignId: string, wait: { code: CampaignWaitCode; until: Date | null } | null): void {
    const before = this.waits.get(campaignId);
    if (!wait) {
      if (!before) return;
      this.waits.delete(campaignId);
    } else {
      // A gap is waited before every message: not worth an event of its own.
      if (before?.code === wait.code && before.until?.getTime() === wait.until?.getTime()) return;
      this.waits.set(campaignId, wait);
      if (wait.code === 'gap' && before?.code === 'gap') return;
    }
    this.progress(campaignId);
  }

  finished(campaignId: string): Promise<void> {
    return this.serial(async () => {
      if (await this.options.repository.hasUnfinished(campaignId)) return;
      const done = await this.options.repository.setStatus(campaignId, ['running'], 'completed', { at: this.now().toISOString(), pause: null, finished: true });
      if (done) await this.afterChange(campaignId);
    });
  }

  restricted(sessionId: string, reason: string): Promise<void> {
    return this.serial(async () => {
      const at = this.now().toISOString();
      for (const campaign of await this.options.repository.bySessionAndStatus(sessionId, ['running', 'paused'])) {
        if (campaign.pause?.code === 'user' || campaign.pause?.code === 'account_restricted') continue;
        await this.options.repository.setStatus(campaign.id, [campaign.status], 'paused', { at, pause: { code: 'account_restricted', reason } });
        await this.afterChange(campaign.id);
      }
      this.options.logger.warn({ sessionId }, 'WhatsApp restricted the account; campaigns paused');
    });
  }

  /** Publishes the campaign's progress soon: at most once per interval, the last change always. */
  progress(campaignId: string): void {
    if (this.progressTimers.has(campaignId) || this.closed) return;
    const interval = this.options.progressIntervalMs ?? 250;
    const since = Date.now() - (this.lastProgress.get(campaignId) ?? 0);
    const timer = setTimeout(() => {
      this.progressTimers.delete(campaignId);
      this.lastProgress.set(campaignId, Date.now());
      this.get(campaignId).then(
        (campaign) => this.publishNow(campaign),
        (error: unknown) => this.options.logger.error({ err: error, campaignId }, 'could not publish campaign progress'),
      );
    }, Math.max(0, interval - since));
    timer.unref();
    this.progressTimers.set(campaignId, timer);
  }

  private publishNow(campaign: Campaign): void {
    this.options.bus.emit('campaign_progress', this.progressOf(campaign));
  }

  private progressOf(campaign: Campaign): CampaignProgress {
    const now = this.now().getTime();
    const times = (this.sends.get(campaign.id) ?? []).filter((t) => t >= now - RATE_WINDOW_MS);
    const first = times[0];
    // Over the window, or since the first send in it when that is more recent (at least 10 s).
    const spanMs = first === undefined ? 0 : Math.max(10_000, Math.min(RATE_WINDOW_MS, now - first));
    const ratePerMinute = spanMs > 0 ? (times.length * 60_000) / spanMs : 0;
    const { pending } = campaign.counts;
    let etaSeconds: number | null = null;
    if (campaign.status === 'running' && pending > 0) {
      const { minGapMs, maxGapMs, hourlyCap } = campaign.limits;
      const perMinute = ratePerMinute > 0 ? ratePerMinute : maxGapMs > 0 ? 60_000 / ((minGapMs + maxGapMs) / 2) : 0;
      const paced = Math.min(perMinute || Infinity, hourlyCap / 60);
      etaSeconds = Number.isFinite(paced) && paced > 0 ? Math.round((pending / paced) * 60) : null;
    } else if (pending === 0) {
      etaSeconds = 0;
    }
    return {
      campaignId: campaign.id,
      sessionId: campaign.sessionId,
      status: campaign.status,
      pause: campaign.pause,
      waiting: campaign.waiting,
      counts: campaign.counts,
      ratePerMinute: Math.round(ratePerMinute * 10) / 10,
      etaSeconds,
      at: new Date(now).toISOString(),
    };
  }

  // ---- Reports ----

  async report(id: string): Promise<CampaignReport> {
    const campaign = await this.get(id);
    return { campaign, totals: totalsFromGroups(await this.options.repository.reportGroups(id)) };
  }
}

function notDraft(): AppError {
  return new AppError('invalid_campaign_state', 'The campaign has started: its audience, template and limits can no longer change.');
}

function safeVariables(template: string): string[] {
  try {
    return templateVariables(template);
  } catch {
    return [];
  }
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

function normalizeSchedule(value: string | null | undefined): string | null {
  return value ? new Date(value).toISOString() : null;
}

function notReadyReason(state: SessionState): string {
  const why = state.error ? ` (${state.error})` : '';
  return `WhatsApp is not connected (${state.status})${why}. Sending resumes by itself when it is ready.`;
}

function summarize(rows: NewRecipient[], total: number): Omit<ImportResult, 'campaign'> {
  const problems = rows
    .filter((row) => row.status === 'skipped')
    .slice(0, 1000)
    .map((row) => ({ line: row.line, code: row.reason === 'duplicate' ? ('duplicate' as const) : ('invalid' as const), message: row.error ?? '', phone: row.phone }));
  const variables = [...new Set(rows.flatMap((row) => Object.keys(row.variables)))];
  return {
    rows: total,
    accepted: rows.filter((row) => row.status === 'pending').length,
    invalid: rows.filter((row) => row.reason === 'invalid').length,
    duplicates: rows.filter((row) => row.reason === 'duplicate').length,
    variables,
    problems,
  };
}
