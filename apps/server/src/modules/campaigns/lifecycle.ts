import type { Logger } from 'pino';
import type { Campaign, CampaignPauseCode, CampaignReadiness, CampaignReadinessRequest, CampaignStatus } from '@wasla/protocol';
import { AppError } from '../../errors/app-error.js';
import type { SessionService } from '../sessions/service.js';
import type { CampaignChanges } from './changes.js';
import { assertNotPast, requireDraft } from './drafts.js';
import { notReadyReason } from './following.js';
import type { SessionOutboxes } from './outboxes.js';
import type { OutboxStore } from './outbox-store.js';
import { checkReadiness } from './readiness.js';
import type { RecipientsRepository } from './recipients-repository.js';
import type { CampaignRecord, CampaignsRepository } from './repository.js';
import { ScheduledStarts } from './schedule.js';
import { templateVariables } from './template.js';

export interface CampaignLifecycleOptions {
  repository: CampaignsRepository;
  recipients: RecipientsRepository;
  store: OutboxStore;
  sessions: SessionService;
  outboxes: SessionOutboxes;
  changes: CampaignChanges;
  logger: Logger;
}

/**
 * What a person does with a campaign once it is written: start it (at once or at its
 * time), pause, resume and cancel it. Each change goes through the one queue of
 * status changes and is published.
 */
export class CampaignLifecycle {
  private readonly schedule: ScheduledStarts;

  constructor(private readonly options: CampaignLifecycleOptions) {
    this.schedule = new ScheduledStarts((id) => this.scheduledTimeCame(id), () => options.changes.now());
  }

  /** Starts a draft: at once, or at its `scheduledAt`. Refuses when a recipient lacks a variable. */
  start(id: string): Promise<Campaign> {
    const { changes, recipients, store, repository } = this.options;
    return changes.serial(async () => {
      const record = await changes.record(id);
      requireDraft(record);
      const check = await checkReadiness(record, recipients, changes.now());
      const { readiness } = check;
      if (readiness.problems.includes('schedule_in_past') && record.scheduledAt) assertNotPast(record.scheduledAt, changes.now());
      if (readiness.problems.includes('no_recipients')) {
        const counts = await recipients.counts(id);
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
      const at = changes.now();
      await store.finishPending(id, check.optedOut, 'skipped', 'opted_out', 'This number opted out of messages.', at.toISOString());
      if (record.options.missingValues === 'skip') {
        await store.finishPending(id, check.missingSeqs, 'skipped', 'missing_variable', 'No value for a variable the template uses; the campaign skips such recipients.', at.toISOString());
      }
      if (record.scheduledAt && new Date(record.scheduledAt) > at) {
        await repository.setStatus(id, ['draft'], 'scheduled', { at: at.toISOString() });
        this.schedule.arm({ ...record, status: 'scheduled' });
      } else {
        await this.begin(record, ['draft'], { started: true });
      }
      return changes.published(id);
    });
  }

  /** Whether Start will work and who will receive the message: what the editor shows before Start. */
  async readinessOf(id: string, instead: CampaignReadinessRequest = {}): Promise<CampaignReadiness> {
    const { changes, recipients } = this.options;
    const record = await changes.record(id);
    requireDraft(record);
    if (instead.template !== undefined) templateVariables(instead.template);
    const options = { ...record.options, ...Object.fromEntries(Object.entries(instead.options ?? {}).filter(([, value]) => value !== undefined)) };
    return (await checkReadiness({ ...record, template: instead.template ?? record.template, options }, recipients, changes.now())).readiness;
  }

  pause(id: string): Promise<Campaign> {
    const { changes, repository } = this.options;
    return changes.serial(async () => {
      const record = await changes.record(id);
      if (record.status === 'paused' && record.pause?.code === 'user') return changes.present(record);
      const paused = await repository.setStatus(id, ['running', 'scheduled', 'paused'], 'paused', {
        at: changes.now().toISOString(),
        pause: { code: 'user', reason: 'Paused by a person.' },
      });
      if (!paused) throw new AppError('invalid_campaign_state', `A ${record.status} campaign can't be paused.`);
      this.schedule.disarm(id);
      return changes.published(id);
    });
  }

  resume(id: string): Promise<Campaign> {
    const { changes, repository, sessions } = this.options;
    return changes.serial(async () => {
      const record = await changes.record(id);
      if (record.status !== 'paused') throw new AppError('invalid_campaign_state', `Only a paused campaign can be resumed; this one is ${record.status}.`);
      // "Resume anyway": the person says WhatsApp lets the number send again.
      if (record.pause?.code === 'account_restricted' && this.sessionRestriction(record.sessionId)) await sessions.liftRestriction(record.sessionId);
      if (!record.startedAt && record.scheduledAt && new Date(record.scheduledAt) > changes.now()) {
        // Paused before its time came: it waits for its time again.
        await repository.setStatus(id, ['paused'], 'scheduled', { at: changes.now().toISOString(), pause: null });
        this.schedule.arm({ ...record, status: 'scheduled' });
      } else {
        await this.begin(record, ['paused'], { started: !record.startedAt });
      }
      return changes.published(id);
    });
  }

  cancel(id: string): Promise<Campaign> {
    const { changes, repository } = this.options;
    return changes.serial(async () => {
      const record = await changes.record(id);
      const cancelled = await repository.setStatus(id, ['draft', 'scheduled', 'running', 'paused'], 'cancelled', {
        at: changes.now().toISOString(),
        pause: null,
        finished: true,
      });
      if (!cancelled) throw new AppError('invalid_campaign_state', `A ${record.status} campaign can't be cancelled.`);
      this.schedule.disarm(id);
      return changes.published(id);
    });
  }

  /** After a restart: a scheduled campaign waits for its time again. */
  awaitTime(record: CampaignRecord): void {
    this.schedule.arm(record);
  }

  /** The session runs elsewhere now (cluster mode): its scheduled campaigns are started there. */
  forgetSession(sessionId: string): void {
    this.schedule.disarmSession(sessionId);
  }

  close(): void {
    this.schedule.close();
  }

  private scheduledTimeCame(id: string): void {
    const { changes, repository, logger } = this.options;
    void changes
      .serial(async () => {
        const current = await repository.get(id);
        if (current?.status === 'scheduled') await this.begin(current, ['scheduled'], { started: true });
        return changes.published(id);
      })
      .catch((error: unknown) => logger.error({ err: error, campaignId: id }, 'could not start a scheduled campaign'));
  }

  /** Running when the session is ready, otherwise paused until it is. */
  private async begin(record: CampaignRecord, from: CampaignStatus[], change: { started?: boolean }): Promise<void> {
    const { changes, repository, sessions, outboxes } = this.options;
    const outbox = outboxes.of(record.sessionId);
    const restricted = this.sessionRestriction(record.sessionId);
    const ready = sessions.has(record.sessionId) && sessions.state(record.sessionId).status === 'ready';
    const pause: { code: CampaignPauseCode; reason: string } | null = restricted
      ? { code: 'account_restricted', reason: restricted }
      : ready
        ? null
        : { code: 'session_not_ready', reason: notReadyReason(sessions.state(record.sessionId)) };
    await repository.setStatus(record.id, from, pause ? 'paused' : 'running', { at: changes.now().toISOString(), pause, ...change });
    outbox.wake();
  }

  /** Why the number may not send, while WhatsApp has restricted it; else null. */
  private sessionRestriction(sessionId: string): string | null {
    const { sessions } = this.options;
    return sessions.has(sessionId) ? (sessions.state(sessionId).restriction?.reason ?? null) : null;
  }
}
