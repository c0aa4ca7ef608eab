import type { Logger } from 'pino';
import type { CampaignPauseCode, MessageStatusEvent, SessionState } from '@wasla/protocol';
import type { EventBus } from '../../events/events.js';
import type { CampaignChanges } from './changes.js';
import type { SessionOutboxes } from './outboxes.js';
import type { OutboxStore } from './outbox-store.js';
import type { CampaignsRepository } from './repository.js';

/** How long a restriction's pause waits for the message in flight to store its outcome. */
const SETTLE_BEFORE_PAUSE_MS = 5_000;

export interface SessionFollowingOptions {
  bus: EventBus;
  /** Whether this instance runs the session (one process runs all): only the owner follows it. */
  runsHere(sessionId: string): boolean;
  repository: CampaignsRepository;
  store: OutboxStore;
  outboxes: SessionOutboxes;
  changes: CampaignChanges;
  logger: Logger;
}

/** Why a campaign waits for its session, in a person's words. */
export function notReadyReason(state: SessionState): string {
  const why = state.error ? ` (${state.error})` : '';
  return `WhatsApp is not connected (${state.status})${why}. Sending resumes by itself when it is ready.`;
}

/**
 * Campaigns follow their session: they pause when it stops being ready or WhatsApp
 * restricts its number, and run again when it is ready. They follow their messages
 * too: each stored status (WhatsApp's receipts, once stored) reaches the outbox waiting
 * for that message's ack and the recipient it was sent to.
 */
export class SessionFollowing {
  private readonly readiness = new Map<string, boolean>();
  /** Whether each session's number was restricted at its last update. */
  private readonly restrictions = new Map<string, boolean>();
  private unsubscribe: (() => void)[] = [];

  constructor(private readonly options: SessionFollowingOptions) {}

  start(): void {
    const { bus } = this.options;
    this.unsubscribe = [bus.subscribe('session_update', this.onSessionUpdate), bus.subscribe('message_status', this.onMessageStatus)];
  }

  stop(): void {
    for (const stop of this.unsubscribe) stop();
    this.unsubscribe = [];
  }

  /** The session runs elsewhere now (cluster mode): followed from scratch if it comes back. */
  forget(sessionId: string): void {
    this.readiness.delete(sessionId);
    this.restrictions.delete(sessionId);
  }

  private readonly onSessionUpdate = (state: SessionState): void => {
    const { logger, outboxes } = this.options;
    if (!this.options.runsHere(state.sessionId)) return;
    const restricted = state.restriction !== null;
    if (this.restrictions.get(state.sessionId) !== restricted) {
      this.restrictions.set(state.sessionId, restricted);
      if (state.restriction) {
        void this.restricted(state.sessionId, state.restriction.reason).catch((error: unknown) => logger.error({ err: error, sessionId: state.sessionId }, 'could not pause the campaigns'));
      } else {
        outboxes.existing(state.sessionId)?.wake();
      }
    }
    const ready = state.status === 'ready';
    if (this.readiness.get(state.sessionId) === ready) return;
    void this.followReadiness(state).catch((error: unknown) => logger.error({ err: error, sessionId: state.sessionId }, 'could not follow the session'));
  };

  /**
   * Running campaigns pause when their session stops being ready, and those it paused
   * run again when it is ready. A ban pauses them as a restriction, which only a person
   * lifts.
   */
  followReadiness(state: SessionState): Promise<void> {
    const ready = state.status === 'ready';
    this.readiness.set(state.sessionId, ready);
    const { changes, repository, outboxes } = this.options;
    return changes.serial(async () => {
      const at = changes.now().toISOString();
      const outbox = outboxes.of(state.sessionId);
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
        await changes.published(campaign.id);
      }
      // Again now that the campaigns it resumed are running.
      outbox.wake();
    });
  }

  /** WhatsApp restricted the number: every running campaign of the session pauses, saying why. */
  private restricted(sessionId: string, reason: string): Promise<void> {
    const { changes, repository, outboxes, logger } = this.options;
    return changes.serial(async () => {
      // The refused message's recipient is stored as failed first (a few seconds at most):
      // whoever sees the pause sees why.
      const outbox = outboxes.existing(sessionId);
      if (outbox) await Promise.race([outbox.settled(), new Promise((resolve) => setTimeout(resolve, SETTLE_BEFORE_PAUSE_MS).unref())]);
      const at = changes.now().toISOString();
      for (const campaign of await repository.bySessionAndStatus(sessionId, ['running', 'paused'])) {
        if (campaign.pause?.code === 'user' || campaign.pause?.code === 'account_restricted') continue;
        await repository.setStatus(campaign.id, [campaign.status], 'paused', { at, pause: { code: 'account_restricted', reason } });
        await changes.published(campaign.id);
      }
      logger.warn({ sessionId }, 'WhatsApp restricted the account; campaigns paused');
    });
  }

  /**
   * WhatsApp's receipts reach campaigns this one way, once stored as the message's status:
   * the outbox waiting for a message's ack, then the recipient it was sent to.
   */
  private readonly onMessageStatus = async (event: MessageStatusEvent): Promise<void> => {
    if (event.status === 'pending' || !this.options.runsHere(event.sessionId)) return;
    const { outboxes, store } = this.options;
    outboxes.messageStatus(event);
    const reason = event.status === 'failed' ? event.errorCode : null;
    const campaignId = await store.applyMessageStatus(event.id, event.status, reason, event.status === 'failed' ? event.error : null, event.updatedAt);
    if (campaignId) outboxes.progress(campaignId);
  };
}
