import type { Logger } from 'pino';
import type { Campaign, CampaignReadiness, CampaignReadinessRequest, CampaignReport, CampaignStatus, RecipientStatus } from '@wasla/protocol';
import { AppError } from '../../errors/app-error.js';
import type { EventBus } from '../../events/events.js';
import type { MessageService } from '../messages/service.js';
import type { SessionService } from '../sessions/service.js';
import type { CampaignChange, SessionRouter } from '../../cluster/owner-router.js';
import type { SuppressionsRepository } from '../suppressions/repository.js';
import type { CampaignChanges } from './changes.js';
import { copyCampaign } from './copies.js';
import type { CopyRequest } from './copies.js';
import { CampaignDrafts } from './drafts.js';
import { SessionFollowing } from './following.js';
import { CampaignLifecycle } from './lifecycle.js';
import { SessionOutboxes } from './outboxes.js';
import type { OutboxStore } from './outbox-store.js';
import { LiveProgress } from './progress.js';
import { totalsFromGroups } from './recipients-repository.js';
import type { RecipientsRepository } from './recipients-repository.js';
import type { CampaignRecord, CampaignsRepository } from './repository.js';
import { templateVariables } from './template.js';

export interface CampaignServiceOptions {
  repository: CampaignsRepository;
  recipients: RecipientsRepository;
  store: OutboxStore;
  suppressions: SuppressionsRepository;
  sessions: SessionService;
  messages: MessageService;
  /** Where a change of a campaign is carried out: on the instance that runs its session. */
  router: SessionRouter;
  bus: EventBus;
  logger: Logger;
  defaultCountry: string;
  /** Longest a `campaign_progress` stream is quiet while recipients change (default 250 ms). */
  progressIntervalMs?: number;
  ackTimeoutMs?: number;
  now?: () => Date;
  random?: () => number;
}

const ACTIVE: CampaignStatus[] = ['running', 'paused', 'scheduled'];

/**
 * Campaigns: reading them, and the parts that change them — drafts (`drafts.ts`), the
 * lifecycle (`lifecycle.ts`), following the sessions and the messages
 * (`following.ts`), copies (`copies.ts`) — wired here. Sending itself is each session's
 * outbox (`outboxes.ts`, `outbox.ts`).
 */
export class CampaignService {
  /** Creating and changing drafts: name, template, limits, schedule, audience. */
  readonly drafts: CampaignDrafts;
  private readonly live: LiveProgress;
  private readonly outboxes: SessionOutboxes;
  private readonly lifecycle: CampaignLifecycle;
  private readonly following: SessionFollowing;
  /** Changes of campaign status are made one at a time, in order. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: CampaignServiceOptions) {
    const { repository, recipients, store, suppressions, sessions, messages, bus, logger, ackTimeoutMs, now, random } = options;
    const changes: CampaignChanges = {
      serial: (work) => this.serial(work),
      record: (id) => this.record(id),
      present: (record) => this.present(record),
      published: (id) => this.published(id),
      now: () => this.now(),
    };
    this.drafts = new CampaignDrafts({
      repository,
      recipients,
      sessions,
      defaultCountry: options.defaultCountry,
      read: (id) => this.get(id),
      present: (record) => this.present(record),
      ...(now ? { now } : {}),
    });
    this.live = new LiveProgress({
      bus,
      runsHere: (sessionId) => sessions.runsHere(sessionId),
      read: (id) => this.get(id),
      logger,
      ...(options.progressIntervalMs !== undefined ? { intervalMs: options.progressIntervalMs } : {}),
      ...(now ? { now } : {}),
    });
    this.outboxes = new SessionOutboxes({
      repository,
      store,
      suppressions,
      sessions,
      messages,
      live: this.live,
      changes,
      logger,
      ...(ackTimeoutMs !== undefined ? { ackTimeoutMs } : {}),
      ...(now ? { now } : {}),
      ...(random ? { random } : {}),
    });
    this.lifecycle = new CampaignLifecycle({ repository, recipients, store, sessions, outboxes: this.outboxes, changes, logger });
    this.following = new SessionFollowing({ bus, runsHere: (id) => sessions.runsHere(id), repository, store, outboxes: this.outboxes, changes, logger });
    options.router.handle('campaign.change', ({ campaignId, change }) => this.lifecycle[change](campaignId));
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    // The caller gets the failure; the next change goes on.
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Settles what a crash left behind (claimed messages become `unknown`), follows the
   * sessions' readiness and the messages' statuses, and picks up running and scheduled
   * campaigns.
   */
  async boot(): Promise<void> {
    const { repository, sessions } = this.options;
    await this.recover();
    this.following.start();
    for (const sessionId of await repository.sessionsWithStatus(ACTIVE)) {
      if (sessions.has(sessionId)) await this.takeUp(sessionId);
    }
  }

  /** Cluster mode: follows the sessions and messages; the sessions' campaigns are taken up as the sessions are (`adopt`). */
  follow(): void {
    this.following.start();
  }

  /**
   * Cluster mode: this instance took the session over: settles what its last owner left
   * in its campaigns (`recover`), then follows its readiness and picks up its running and
   * scheduled campaigns.
   */
  async adopt(sessionId: string): Promise<void> {
    await this.recover([sessionId]);
    if ((await this.options.repository.bySessionAndStatus(sessionId, ACTIVE)).length > 0) await this.takeUp(sessionId);
  }

  /** Cluster mode: the session left this instance: its outbox and scheduled starts stop here. */
  async drop(sessionId: string): Promise<void> {
    this.lifecycle.forgetSession(sessionId);
    this.following.forget(sessionId);
    await this.outboxes.drop(sessionId);
  }

  private async takeUp(sessionId: string): Promise<void> {
    const { repository, sessions } = this.options;
    await this.following.followReadiness(sessions.state(sessionId));
    for (const campaign of await repository.bySessionAndStatus(sessionId, ['scheduled'])) this.lifecycle.awaitTime(campaign);
  }

  /**
   * Settles what a stop left behind in the campaigns of `sessionIds` (all when not given:
   * one process owns every session): a claimed message takes its message's status when
   * WhatsApp had acknowledged it, and otherwise becomes `unknown` — never sent again.
   */
  async recover(sessionIds?: readonly string[]): Promise<void> {
    const touched = await this.options.store.recoverInterrupted('Wasla stopped while this message was being sent; it was not resent.', this.now().toISOString(), sessionIds);
    if (touched.length > 0) this.options.logger.warn({ campaigns: touched.length, ...(sessionIds ? { sessionIds } : {}) }, 'recovered campaign messages interrupted by a stop');
  }

  async close(): Promise<void> {
    this.following.stop();
    this.lifecycle.close();
    this.live.close();
    await this.outboxes.close();
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

  async report(id: string): Promise<CampaignReport> {
    const campaign = await this.get(id);
    return { campaign, totals: totalsFromGroups(await this.options.recipients.reportGroups(id)) };
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

  private async published(id: string): Promise<Campaign> {
    const campaign = await this.get(id);
    this.live.publish(campaign);
    return campaign;
  }

  // ---- Lifecycle ----

  /** Starts a draft: at once, or at its `scheduledAt`. Refuses when a recipient lacks a variable. */
  start(id: string): Promise<Campaign> {
    return this.change(id, 'start');
  }

  /** Whether Start will work and who will receive the message: what the editor shows before Start. */
  readinessOf(id: string, instead: CampaignReadinessRequest = {}): Promise<CampaignReadiness> {
    return this.lifecycle.readinessOf(id, instead);
  }

  pause(id: string): Promise<Campaign> {
    return this.change(id, 'pause');
  }

  resume(id: string): Promise<Campaign> {
    return this.change(id, 'resume');
  }

  cancel(id: string): Promise<Campaign> {
    return this.change(id, 'cancel');
  }

  /** Carried out where the campaign's session runs, since its outbox is there. */
  private async change(id: string, change: CampaignChange): Promise<Campaign> {
    const { sessionId } = await this.record(id);
    return this.options.router.run('campaign.change', { sessionId, campaignId: id, change });
  }

  // ---- Copies and deleting drafts ----

  /** A new draft from a campaign: a duplicate, or (with `only`) sending again to those whose message failed or is unknown. */
  async copy(id: string, input: CopyRequest, createdBy: string | null): Promise<Campaign> {
    const { repository, recipients } = this.options;
    return this.present(await copyCampaign({ repository, recipients }, await this.record(id), input, createdBy, this.now()));
  }

  /** Deletes drafts by id, all or none: only drafts (a started campaign is cancelled, not deleted). */
  async removeDrafts(ids: string[]): Promise<{ deleted: number }> {
    const unique = [...new Set(ids)];
    return this.serial(async () => {
      const deleted = await this.options.repository.deleteDrafts(unique);
      if (deleted === null) throw new AppError('invalid_campaign_state', 'Only drafts can be deleted, and every id must name one; nothing was deleted. Cancel a started campaign instead.');
      return { deleted };
    });
  }
}

function safeVariables(template: string): string[] {
  try {
    return templateVariables(template);
  } catch {
    return [];
  }
}
