import type { Logger } from 'pino';
import type { CampaignWaitCode, MessageStatusEvent } from '@wasla/protocol';
import type { MessageService } from '../messages/service.js';
import type { SessionService } from '../sessions/service.js';
import type { SuppressionsRepository } from '../suppressions/repository.js';
import type { CampaignChanges } from './changes.js';
import { SessionOutbox } from './outbox.js';
import type { OutboxHost } from './outbox.js';
import type { OutboxStore } from './outbox-store.js';
import type { LiveProgress } from './progress.js';
import type { CampaignsRepository } from './repository.js';

export interface SessionOutboxesOptions {
  repository: CampaignsRepository;
  store: OutboxStore;
  suppressions: SuppressionsRepository;
  sessions: SessionService;
  messages: MessageService;
  live: LiveProgress;
  changes: CampaignChanges;
  logger: Logger;
  ackTimeoutMs?: number;
  now?: () => Date;
  random?: () => number;
}

/**
 * Every session's outbox, made when a session first has a campaign to send, and what
 * the outboxes tell the campaigns: a message went out, what one waits for, that one
 * finished.
 */
export class SessionOutboxes implements OutboxHost {
  private readonly outboxes = new Map<string, SessionOutbox>();
  private closed = false;

  constructor(private readonly options: SessionOutboxesOptions) {}

  /** The session's outbox, started when it is new. */
  of(sessionId: string): SessionOutbox {
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

  /** The session's outbox if it has one (a session that never sent a campaign has none). */
  existing(sessionId: string): SessionOutbox | undefined {
    return this.outboxes.get(sessionId);
  }

  /** A message of a session moved forward: the outbox may be waiting for its ack. */
  messageStatus(event: MessageStatusEvent): void {
    this.outboxes.get(event.sessionId)?.messageStatus(event);
  }

  /** The session runs elsewhere now (cluster mode): its outbox stops here. */
  async drop(sessionId: string): Promise<void> {
    const outbox = this.outboxes.get(sessionId);
    if (!outbox) return;
    this.outboxes.delete(sessionId);
    await outbox.stop();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.outboxes.values()].map((outbox) => outbox.stop()));
  }

  // ---- OutboxHost ----

  sent(campaignId: string, at: Date): void {
    this.options.live.sent(campaignId, at);
  }

  waiting(campaignId: string, wait: { code: CampaignWaitCode; until: Date | null } | null): void {
    this.options.live.waiting(campaignId, wait);
  }

  progress(campaignId: string): void {
    this.options.live.soon(campaignId);
  }

  finished(campaignId: string): Promise<void> {
    const { changes, store, repository } = this.options;
    return changes.serial(async () => {
      if (await store.hasUnfinished(campaignId)) return;
      const done = await repository.setStatus(campaignId, ['running'], 'completed', { at: changes.now().toISOString(), pause: null, finished: true });
      if (done) await changes.published(campaignId);
    });
  }
}
