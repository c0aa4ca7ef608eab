import type { Logger } from 'pino';
import type { Campaign, CampaignPauseCode, CampaignReadiness, CampaignReadinessRequest, Recipient, CampaignReport, CampaignStatus, CampaignWaitCode, MessageStatusEvent, RecipientStatus, SessionState } from '@wasla/protocol';
import { AppError } from '../../errors/app-error.js';
import type { EventBus } from '../../events/events.js';
import type { MessageService } from '../messages/service.js';
import type { SessionService } from '../sessions/service.js';
import type { SuppressionsRepository } from '../suppressions/repository.js';
import { randomUUID } from 'node:crypto';
import { CampaignDrafts, SCHEDULE_GRACE_MS, assertNotPast, campaignName, requireDraft } from './drafts.js';
import { SessionOutbox } from './outbox.js';
import type { OutboxHost } from './outbox.js';
import type { OutboxStore } from './outbox-store.js';
import { LiveProgress } from './progress.js';
import { totalsFromGroups } from './recipients-repository.js';
import type { NewRecipient, RecipientsRepository } from './recipients-repository.js';
import type { StoredRecipientStatus } from '../../storage/schema.js';
import type { CampaignRecord, CampaignsRepository } from './repository.js';
import { templateVariables } from './template.js';


/** How long a restriction's pause waits for the message in flight to store its outcome. */
const SETTLE_BEFORE_PAUSE_MS = 5_000;
export interface CampaignServiceOptions {
  repository: CampaignsRepository;
  recipients: RecipientsRepository;
  store: OutboxStore;
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

const MAX_TIMER_MS = 2_147_483_647;

const ACTIVE: CampaignStatus[] = ['running', 'paused', 'scheduled'];

/**
 * Campaigns: their audience, template and limits, their lifecycle, live progress and
 * reports. Sending itself is each session's `SessionOutbox`; this service decides
 * which campaigns run and tells the outboxes to look again.
 */
export class CampaignService implements OutboxHost {
  private readonly outboxes = new Map<string, SessionOutbox>();
  private readonly live: LiveProgress;
  /** Creating and changing drafts: name, template, limits, schedule, audience. */
  readonly drafts: CampaignDrafts;
  private readonly scheduleTimers = new Map<string, NodeJS.Timeout>();
  private readonly readiness = new Map<string, boolean>();
  /** Whether each session's number was restricted at its last update. */
  private readonly restrictions = new Map<string, boolean>();
  /** Changes of campaign status are made one at a time, in order. */
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private unsubscribe: (() => void)[] = [];

  constructor(private readonly options: CampaignServiceOptions) {
    this.drafts = new CampaignDrafts({
      repository: options.repository,
      recipients: options.recipients,
      sessions: options.sessions,
      defaultCountry: options.defaultCountry,
      read: (id) => this.get(id),
      present: (record) => this.present(record),
      ...(options.now ? { now: options.now } : {}),
    });
    this.live = new LiveProgress({
      bus: options.bus,
      read: (id) => this.get(id),
      logger: options.logger,
      ...(options.progressIntervalMs !== undefined ? { intervalMs: options.progressIntervalMs } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
  }

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
    const { repository, store, bus, sessions } = this.options;
    const touched = await store.recoverInterrupted('Wasla stopped while this message was being sent; it was not resent.', this.now().toISOString());
    if (touched.length > 0) this.options.logger.warn({ campaigns: touched.length }, 'recovered campaign messages interrupted by a stop');
    this.unsubscribe = [bus.subscribe('session_update', this.onSessionUpdate), bus.subscribe('message_status', this.onMessageStatus)];
    for (const sessionId of await repository.sessionsWithStatus(ACTIVE)) {
      if (!sessions.has(sessionId)) continue;
      await this.followReadiness(sessions.state(sessionId));
      for (const campaign of await repository.bySessionAndStatus(sessionId, ['scheduled'])) this.arm(campaign);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const stop of this.unsubscribe) stop();
    for (const timer of this.scheduleTimers.values()) clearTimeout(timer);
    this.live.close();
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
    return this.record(id).then(() => this.options.recipients.recipients(id, query));
  }

  private async record(id: string): Promise<CampaignRecord> {
    const record = await this.options.repository.get(id);
    if (!record) throw new AppError('not_found', 'There is no campaign with that id.');
    return record;
  }

  private async present(record: CampaignRecord): Promise<Campaign> {
    const wait = record.status === 'running' ? this.live.waitOf(record.id) : undefined;
    return {
      ...record,
      variables: safeVariables(record.template),
      waiting: wait ? { code: wait.code, until: wait.until?.toISOString() ?? null } : null,
      counts: await this.options.recipients.counts(record.id),
    };
  }

  // ---- Lifecycle ----

  /** Starts a draft: at once, or at its `scheduledAt`. Refuses when a recipient lacks a variable. */
  start(id: string): Promise<Campaign> {
    return this.serial(async () => {
      const record = await this.record(id);
      requireDraft(record);
      const check = await this.check(record);
      const { readiness } = check;
      if (readiness.problems.includes('schedule_in_past') && record.scheduledAt) assertNotPast(record.scheduledAt, this.now());
      if (readiness.problems.includes('no_recipients')) {
        const counts = await this.options.recipients.counts(id);
        throw new AppError(
          'no_recipients',
          counts.total === 0
            ? 'The campaign has no recipients: import a CSV file or add recipients first.'
            : counts.pending === 0
              ? 'None of the recipients can be sent to (all were skipped).'
              : 'None of the recipients can be sent to: every one opted out or has no value for a variable.',
          { readiness },
        );
      }
      if (readiness.problems.includes('missing_variables')) {
        const { missing } = readiness;
        const list = missing.map((m) => `{{${m.variable}}} for ${m.count} recipient${m.count === 1 ? '' : 's'} (first: #${m.firstSeq})`).join('; ');
        throw new AppError(
          'missing_variables',
          `Some recipients have no value for a variable the template uses: ${list}. Fill them in the file, give the variable a value for rows without one ({{${missing[0]?.variable ?? 'city'}|…}}), or choose to skip those recipients.`,
          { missing, readiness },
        );
      }
      // Who will not receive it is known now: skipped with the reason before it starts, so its counts are true from the first moment.
      const at = this.now();
      const { store } = this.options;
      await store.finishPending(id, check.optedOut, 'skipped', 'opted_out', 'This number opted out of messages.', at.toISOString());
      if (record.options.missingValues === 'skip') {
        await store.finishPending(id, check.missingSeqs, 'skipped', 'missing_variable', 'No value for a variable the template uses; the campaign skips such recipients.', at.toISOString());
      }
      if (record.scheduledAt && new Date(record.scheduledAt) > at) {
        await this.options.repository.setStatus(id, ['draft'], 'scheduled', { at: at.toISOString() });
        this.arm({ ...record, status: 'scheduled' });
      } else {
        await this.begin(record, ['draft'], { started: true });
      }
      return this.afterChange(id);
    });
  }

  /** Whether Start will work and who will receive the message: what the editor shows before Start. */
  async readinessOf(id: string, instead: CampaignReadinessRequest = {}): Promise<CampaignReadiness> {
    const record = await this.record(id);
    requireDraft(record);
    if (instead.template !== undefined) templateVariables(instead.template);
    const options = { ...record.options, ...Object.fromEntries(Object.entries(instead.options ?? {}).filter(([, value]) => value !== undefined)) };
    return (await this.check({ ...record, template: instead.template ?? record.template, options })).readiness;
  }

  /** The check Start makes, with the recipients it will skip. */
  private async check(record: CampaignRecord): Promise<{ readiness: CampaignReadiness; optedOut: number[]; missingSeqs: number[] }> {
    const { recipients } = this.options;
    const counts = await recipients.counts(record.id);
    const optedOut = (await recipients.optedOutPending(record.id)).map((row) => row.seq);
    const { missing, seqs: missingSeqs } = await recipients.missingValues(record.id, record.template, new Set(optedOut));
    const skipMissing = record.options.missingValues === 'skip';
    // Opted-out and (skipped or not) missing rows never receive it; refusing rows missing a value blocks Start instead.
    const willReceive = Math.max(0, counts.pending - optedOut.length - missingSeqs.length);
    const problems: CampaignReadiness['problems'] = [];
    if (counts.pending - optedOut.length - (skipMissing ? missingSeqs.length : 0) <= 0) problems.push('no_recipients');
    if (!skipMissing && missingSeqs.length > 0) problems.push('missing_variables');
    if (record.scheduledAt && new Date(record.scheduledAt).getTime() < this.now().getTime() - SCHEDULE_GRACE_MS) problems.push('schedule_in_past');
    return {
      readiness: {
        ready: problems.length === 0,
        willReceive,
        optedOut: optedOut.length,
        missingValues: missingSeqs.length,
        missing,
        skipped: counts.skipped,
        problems,
      },
      optedOut,
      missingSeqs,
    };
  }

  /**
   * A new draft with a campaign's name, message, limits, options and schedule (when still
   * ahead), and its recipients as imported: everyone, or with `only`, those whose
   * message failed or whose fate is unknown (sending again: a new campaign, never an
   * automatic retry). Rows skipped at import stay skipped with their reason.
   */
  async copy(id: string, input: { name?: string; only?: 'failed_or_unknown' }, createdBy: string | null): Promise<Campaign> {
    const source = await this.record(id);
    const { repository, recipients } = this.options;
    const resend = input.only === 'failed_or_unknown';
    if (resend && source.status === 'draft') throw new AppError('invalid_campaign_state', 'A draft has sent nothing: there is no one to send to again.');
    const at = this.now().toISOString();
    const statuses: StoredRecipientStatus[] | undefined = resend ? ['failed', 'unknown'] : undefined;
    const scheduledAt = source.scheduledAt && new Date(source.scheduledAt) > this.now() && !resend ? source.scheduledAt : null;
    const record: CampaignRecord = {
      ...source,
      id: randomUUID(),
      name: campaignName(input.name ?? `${source.name} (${resend ? 'sent again' : 'copy'})`.slice(0, 120)),
      status: 'draft',
      scheduledAt,
      pause: null,
      createdAt: at,
      updatedAt: at,
      startedAt: null,
      finishedAt: null,
    };
    // Read before the transaction: SQLite has one connection, which the transaction holds.
    const pages: Recipient[][] = [];
    for await (const page of recipients.allRecipients(source.id, statuses)) pages.push(page);
    const copied = pages.reduce((sum, page) => sum + page.length, 0);
    if (resend && copied === 0) throw new AppError('no_recipients', 'No message of this campaign failed or has an unknown fate: there is no one to send to again.');
    await repository.db.transaction().execute(async (trx) => {
      await repository.insert({ ...record, createdBy }, trx);
      let seq = 0;
      for (const page of pages) {
        const rows: NewRecipient[] = page.map((recipient) => {
          const skippedAtImport = !resend && recipient.status === 'skipped' && (recipient.reason === 'invalid' || recipient.reason === 'duplicate');
          return {
            phone: recipient.phone,
            name: recipient.name,
            variables: recipient.variables,
            line: recipient.line,
            status: skippedAtImport ? 'skipped' : 'pending',
            reason: skippedAtImport ? recipient.reason : null,
            error: skippedAtImport ? recipient.error : null,
          };
        });
        seq = await recipients.insertRecipients(trx, record.id, seq, rows, at);
      }
    });
    return this.present(record);
  }

  /** Deletes drafts by id, all or none: only drafts (a started campaign is cancelled, not deleted). */
  async removeDrafts(ids: string[]): Promise<{ deleted: number }> {
    const unique = [...new Set(ids)];
    return this.serial(async () => {
      const { repository } = this.options;
      const deleted = await repository.deleteDrafts(unique);
      if (deleted === null) throw new AppError('invalid_campaign_state', 'Only drafts can be deleted, and every id must name one; nothing was deleted. Cancel a started campaign instead.');
      return { deleted };
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
      // "Resume anyway": the person says WhatsApp lets the number send again.
      if (record.pause?.code === 'account_restricted' && this.sessionRestriction(record.sessionId)) await this.options.sessions.liftRestriction(record.sessionId);
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
    const restricted = this.sessionRestriction(record.sessionId);
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
    this.live.publish(campaign);
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

  /** Why the number may not send, while WhatsApp has restricted it; else null. */
  private sessionRestriction(sessionId: string): string | null {
    return this.options.sessions.has(sessionId) ? (this.options.sessions.state(sessionId).restriction?.reason ?? null) : null;
  }

  private sessionReady(sessionId: string): boolean {
    return this.options.sessions.has(sessionId) && this.options.sessions.state(sessionId).status === 'ready';
  }

  private readonly onSessionUpdate = (state: SessionState): void => {
    const restricted = state.restriction !== null;
    if (this.restrictions.get(state.sessionId) !== restricted) {
      this.restrictions.set(state.sessionId, restricted);
      if (state.restriction) {
        void this.restricted(state.sessionId, state.restriction.reason).catch((error: unknown) => this.options.logger.error({ err: error, sessionId: state.sessionId }, 'could not pause the campaigns'));
      } else {
        this.outboxes.get(state.sessionId)?.wake();
      }
    }
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

  /**
   * WhatsApp's receipts reach campaigns this one way, once stored as the message's status:
   * the outbox waiting for a message's ack, then the recipient it was sent to.
   */
  private readonly onMessageStatus = async (event: MessageStatusEvent): Promise<void> => {
    if (event.status === 'pending') return;
    this.outboxes.get(event.sessionId)?.messageStatus(event);
    const reason = event.status === 'failed' ? event.errorCode : null;
    const campaignId = await this.options.store.applyMessageStatus(event.id, event.status, reason, event.status === 'failed' ? event.error : null, event.updatedAt);
    if (campaignId) this.progress(campaignId);
  };

  private outbox(sessionId: string): SessionOutbox {
    let outbox = this.outboxes.get(sessionId);
    if (!outbox) {
      const { repository, store, suppressions, sessions, messages, logger, ackTimeoutMs, now, random } = this.options;
      outbox = new SessionOutbox({
        sessionId,
        repository,
        store,
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
    this.live.sent(campaignId, at);
  }

  waiting(campaignId: string, wait: { code: CampaignWaitCode; until: Date | null } | null): void {
    this.live.waiting(campaignId, wait);
  }

  progress(campaignId: string): void {
    this.live.soon(campaignId);
  }

  finished(campaignId: string): Promise<void> {
    return this.serial(async () => {
      if (await this.options.store.hasUnfinished(campaignId)) return;
      const done = await this.options.repository.setStatus(campaignId, ['running'], 'completed', { at: this.now().toISOString(), pause: null, finished: true });
      if (done) await this.afterChange(campaignId);
    });
  }

  /** WhatsApp restricted the number: every running campaign of the session pauses, saying why. */
  private restricted(sessionId: string, reason: string): Promise<void> {
    return this.serial(async () => {
      // The refused message's recipient is stored as failed first (a few seconds at most):
      // whoever sees the pause sees why.
      const outbox = this.outboxes.get(sessionId);
      if (outbox) await Promise.race([outbox.settled(), new Promise((resolve) => setTimeout(resolve, SETTLE_BEFORE_PAUSE_MS).unref())]);
      const at = this.now().toISOString();
      for (const campaign of await this.options.repository.bySessionAndStatus(sessionId, ['running', 'paused'])) {
        if (campaign.pause?.code === 'user' || campaign.pause?.code === 'account_restricted') continue;
        await this.options.repository.setStatus(campaign.id, [campaign.status], 'paused', { at, pause: { code: 'account_restricted', reason } });
        await this.afterChange(campaign.id);
      }
      this.options.logger.warn({ sessionId }, 'WhatsApp restricted the account; campaigns paused');
    });
  }

  // ---- Reports ----

  async report(id: string): Promise<CampaignReport> {
    const campaign = await this.get(id);
    return { campaign, totals: totalsFromGroups(await this.options.recipients.reportGroups(id)) };
  }
}

function safeVariables(template: string): string[] {
  try {
    return templateVariables(template);
  } catch {
    return [];
  }
}

function notReadyReason(state: SessionState): string {
  const why = state.error ? ` (${state.error})` : '';
  return `WhatsApp is not connected (${state.status})${why}. Sending resumes by itself when it is ready.`;
}
