import type { Logger } from 'pino';
import type { CampaignWaitCode, MessageStatusEvent } from '@wasla/protocol';
import { ConnectionClosedDuringSend } from '../../whatsapp/provider.js';
import { receiptFailureReason } from '../messages/service.js';
import type { MessageService } from '../messages/service.js';
import { isRestrictionAck } from '../sessions/service.js';
import type { SessionService } from '../sessions/service.js';
import type { SuppressionsRepository } from '../suppressions/repository.js';
import { DAY_MS, HOUR_MS, nextSlot, pickGap } from './pacing.js';
import type { OutboxRecipient, OutboxStore } from './outbox-store.js';
import type { CampaignRecord, CampaignsRepository } from './repository.js';
import { renderTemplate } from './template.js';

/** What the outbox tells the campaign service. */
export interface OutboxHost {
  /** Recipients of the campaign changed; publish progress (throttled by the host). */
  progress(campaignId: string): void;
  /** A message went out for the campaign (for the rate). */
  sent(campaignId: string, at: Date): void;
  waiting(campaignId: string, wait: { code: CampaignWaitCode; until: Date | null } | null): void;
  /** No recipient is left to send to. */
  finished(campaignId: string): Promise<void>;
}

export interface OutboxOptions {
  sessionId: string;
  repository: CampaignsRepository;
  store: OutboxStore;
  suppressions: SuppressionsRepository;
  sessions: SessionService;
  messages: MessageService;
  host: OutboxHost;
  logger: Logger;
  /** How long to wait for WhatsApp's ack of a message before sending the next (default 20 s). */
  ackTimeoutMs?: number;
  now?: () => Date;
  random?: () => number;
}

/** Numbers checked on WhatsApp per query, ahead of sending. */
const CHECK_BATCH = 50;
/** After an unexpected error (the database away, say), try again after this long. */
const ERROR_PAUSE_MS = 5_000;
const DEFAULT_ACK_TIMEOUT_MS = 20_000;
// setTimeout's largest delay; longer waits are re-checked when it fires.
const MAX_TIMER_MS = 2_147_483_647;

type Step = { next: 'now' } | { next: 'sleep'; until: Date | null };
const NOW: Step = { next: 'now' };
const SLEEP: Step = { next: 'sleep', until: null };

/** WhatsApp's answer to a message: the status its first ack or receipt moved the message to. */
type Ack = Pick<MessageStatusEvent, 'status' | 'error' | 'errorCode'>;

interface AckWaiter {
  messageId: string;
  resolve(ack: Ack | null): void;
}

/**
 * One WhatsApp session's outbox: it sends the session's running campaigns one
 * message at a time, oldest campaign first, under each campaign's limits. Everything
 * it needs to resume lives in the database; a message is claimed (stored with its id)
 * before it is handed to WhatsApp, so a crash can leave it `unknown` but never sends it
 * twice. After each message it waits for WhatsApp's ack, so an ack that says the
 * account is restricted stops the next message.
 */
export class SessionOutbox {
  private stopped = false;
  private wakeUp: (() => void) | null = null;
  private pendingWake = false;
  private loop: Promise<void> | null = null;
  private ack: AckWaiter | null = null;
  /** The message being sent now, until its outcome is stored. */
  private sending: Promise<void> = Promise.resolve();
  private interruptSend: (() => void) | null = null;
  private lastSentAt: Date | null = null;
  private gapMs = 0;
  private historyLoaded = false;
  /** The session's campaign sends in the last hour and day: counted by the database, plus every claim since. */
  private recent: { hour: number; day: number } | null = null;
  private readonly logger: Logger;

  constructor(private readonly options: OutboxOptions) {
    this.logger = options.logger.child({ sessionId: options.sessionId, module: 'outbox' });
  }

  get sessionId(): string {
    return this.options.sessionId;
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Look at the database again now (a campaign started, the session became ready…). */
  wake(): void {
    this.pendingWake = true;
    this.wakeUp?.();
    // A session that stopped being ready can't finish the send or deliver the awaited ack.
    if (!this.sessionReady()) {
      this.ack?.resolve(null);
      this.interruptSend?.();
    }
  }

  /**
   * A message of the session moved forward (WhatsApp's ack or receipt, stored): the
   * awaited ack, when it is that message's. (A restriction is the session's state.)
   */
  messageStatus(event: MessageStatusEvent): void {
    if (event.status !== 'pending' && event.status !== 'unknown' && this.ack?.messageId === event.id) this.ack.resolve(event);
  }

  /**
   * Resolves when the message being sent now (if any) has its outcome stored. Campaigns
   * pause for a restriction after it, so whoever sees the pause sees the refused recipient.
   */
  settled(): Promise<void> {
    return this.sending;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    this.ack?.resolve(null);
    await this.loop;
  }

  private sessionReady(): boolean {
    return this.options.sessions.has(this.sessionId) && this.options.sessions.state(this.sessionId).status === 'ready';
  }

  /** While WhatsApp has restricted the number, nothing goes out. */
  private restricted(): boolean {
    return this.options.sessions.has(this.sessionId) && this.options.sessions.state(this.sessionId).restriction !== null;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      this.pendingWake = false;
      let step: Step;
      try {
        step = await this.step();
      } catch (error) {
        this.logger.error({ err: error }, 'the outbox failed a step; trying again shortly');
        step = { next: 'sleep', until: new Date(this.now().getTime() + ERROR_PAUSE_MS) };
      }
      if (step.next === 'sleep' && !this.stopped && !this.pendingWake) await this.sleep(step.until);
    }
  }

  private sleep(until: Date | null): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | null = null;
      this.wakeUp = () => {
        if (timer) clearTimeout(timer);
        this.wakeUp = null;
        resolve();
      };
      if (until) {
        timer = setTimeout(() => this.wakeUp?.(), Math.min(Math.max(0, until.getTime() - this.now().getTime()), MAX_TIMER_MS));
        timer.unref();
      }
    });
  }

  private async step(): Promise<Step> {
    if (this.restricted() || !this.sessionReady()) return SLEEP;
    const { repository, store, host } = this.options;
    const [campaign] = await repository.bySessionAndStatus(this.sessionId, ['running']);
    if (!campaign) return SLEEP;

    const [recipient] = await store.nextPending(campaign.id, 1);
    if (!recipient) {
      host.waiting(campaign.id, null);
      await host.finished(campaign.id);
      return NOW;
    }
    if (await this.screen(campaign, recipient)) return NOW;

    const wait = await this.pace(campaign);
    host.waiting(campaign.id, wait);
    if (wait) return { next: 'sleep', until: wait.until };
    const sending = this.send(campaign, recipient);
    this.sending = sending.catch(() => undefined);
    await sending;
    return NOW;
  }

  /**
   * Skips the next recipient when it opted out; when it is unchecked, checks it and the
   * unchecked ones after it on WhatsApp in one query. Resolves true when it changed any
   * recipient (the next one must be read again).
   */
  private async screen(campaign: CampaignRecord, next: OutboxRecipient): Promise<boolean> {
    const { store, suppressions, host } = this.options;
    const at = this.now().toISOString();
    if (await suppressions.has(next.phone)) {
      await store.finishPending(campaign.id, [next.seq], 'skipped', 'opted_out', 'This number opted out of messages.', at);
      host.progress(campaign.id);
      return true;
    }
    if (next.checked) return false;
    const unchecked = (await store.nextPending(campaign.id, CHECK_BATCH)).filter((recipient) => !recipient.checked);
    const connection = this.options.sessions.readyConnection(this.sessionId);
    const onWhatsApp = await connection.onWhatsApp(unchecked.map((recipient) => recipient.phone.slice(1)));
    const absent = unchecked.filter((recipient) => !onWhatsApp.has(recipient.phone.slice(1))).map((recipient) => recipient.seq);
    await store.finishPending(campaign.id, absent, 'skipped', 'not_on_whatsapp', 'This number is not on WhatsApp.', at);
    await store.markChecked(
      campaign.id,
      unchecked.filter((recipient) => !absent.includes(recipient.seq)).map((recipient) => recipient.seq),
    );
    if (absent.length > 0) host.progress(campaign.id);
    return true;
  }

  /** What the next message must wait for under the campaign's limits, if anything. */
  private async pace(campaign: CampaignRecord): Promise<{ code: CampaignWaitCode; until: Date } | null> {
    const { store } = this.options;
    const { limits } = campaign;
    const now = this.now();
    const gapMs = Math.min(Math.max(this.gapMs, limits.minGapMs), limits.maxGapMs);
    // The windows only shed old sends, so the last count plus the claims since is never
    // below the truth: the database is asked again only when that reaches a cap.
    if (this.recent && this.recent.hour < limits.hourlyCap && this.recent.day < limits.dailyCap) {
      return nextSlot(now, limits, { lastSentAt: this.lastSentAt, gapMs, sentLastHour: this.recent.hour, sentLastDay: this.recent.day, hourlyCapFreesAt: null, dailyCapFreesAt: null });
    }
    const hourAgo = new Date(now.getTime() - HOUR_MS).toISOString();
    const dayAgo = new Date(now.getTime() - DAY_MS).toISOString();
    const [hour, day] = await Promise.all([store.sentSince(this.sessionId, hourAgo), store.sentSince(this.sessionId, dayAgo)]);
    if (!this.historyLoaded) {
      // After a restart the last send comes from the database; the gap is chosen afresh.
      this.historyLoaded = true;
      this.lastSentAt = day.newest ? new Date(day.newest) : null;
      this.gapMs = pickGap(limits, this.options.random);
    }
    this.recent = { hour: hour.count, day: day.count };
    const capFreesAt = async (since: string, cap: number, count: number, windowMs: number): Promise<Date | null> => {
      if (count < cap) return null;
      const send = await store.nthRecentSend(this.sessionId, since, cap);
      return send ? new Date(new Date(send).getTime() + windowMs) : null;
    };
    return nextSlot(now, limits, {
      lastSentAt: this.lastSentAt,
      gapMs,
      sentLastHour: hour.count,
      sentLastDay: day.count,
      hourlyCapFreesAt: await capFreesAt(hourAgo, limits.hourlyCap, hour.count, HOUR_MS),
      dailyCapFreesAt: await capFreesAt(dayAgo, limits.dailyCap, day.count, DAY_MS),
    });
  }

  private async send(campaign: CampaignRecord, recipient: OutboxRecipient): Promise<void> {
    const { store, sessions, messages, host } = this.options;
    const { text, missing } = renderTemplate(campaign.template, recipient);
    const at = this.now();
    if (missing.length > 0) {
      const error = `No value for ${missing.map((name) => `{{${name}}}`).join(', ')}.`;
      // Start skips (or refuses) these already; this is the last guard, by the same option.
      await store.finishPending(campaign.id, [recipient.seq], campaign.options.missingValues === 'skip' ? 'skipped' : 'failed', 'missing_variable', error, at.toISOString());
      host.progress(campaign.id);
      return;
    }
    const connection = sessions.readyConnection(this.sessionId);
    const messageId = sessions.newMessageId();
    const claimed = await store.claim(recipient, { id: messageId, sessionId: this.sessionId, peer: recipient.phone, text }, at.toISOString());
    if (!claimed) return;
    this.lastSentAt = at;
    this.gapMs = pickGap(campaign.limits, this.options.random);
    if (this.recent) {
      this.recent.hour += 1;
      this.recent.day += 1;
    }
    host.sent(campaign.id, at);

    const acked = this.awaitAck(messageId);
    try {
      // Baileys can wait a minute on a connection that closed mid-send; the session's
      // readiness decides sooner.
      const interrupted = new Promise<never>((_resolve, reject) => {
        this.interruptSend = () => reject(new Error('the session stopped being ready during the send'));
      });
      const sending = connection.sendText(recipient.phone.slice(1), text, messageId);
      sending.catch(() => undefined);
      await Promise.race([sending, interrupted]);
    } catch (error) {
      this.ack?.resolve(null);
      await acked;
      this.logger.warn({ err: error, campaignId: campaign.id, seq: recipient.seq }, 'a campaign message was not sent');
      // Not retried. When the connection went away mid-send WhatsApp may have it: unknown.
      if (this.sessionReady() && !(error instanceof ConnectionClosedDuringSend)) {
        await messages.setStatus(this.sessionId, messageId, 'failed', 'WhatsApp did not accept the message.', 'send_failed');
      } else {
        await store.markUnknown(messageId, 'The connection to WhatsApp closed while this message was being sent; it was not resent.', this.now().toISOString());
      }
      host.progress(campaign.id);
      return;
    }
    finally {
      this.interruptSend = null;
    }
    // Sent means WhatsApp acknowledged it, as after a crash: a message Baileys wrote as the
    // connection closed (a logout) may never have arrived.
    const ack = await acked;
    // The session queued the restriction before publishing this ack's receipt: once its
    // queue has run, the next step sees the number restricted and sends nothing.
    if (ack && isRestrictionAck(ack)) await this.options.sessions.idle(this.sessionId);
    if (ack === null) {
      await store.markUnknown(messageId, 'WhatsApp did not acknowledge this message before the connection closed; it was not resent.', this.now().toISOString());
      host.progress(campaign.id);
    } else if (ack.status === 'failed') {
      // The ack is the message's stored status; its recipient is stored failed here too, before
      // the next step (and before a restriction's pause: see `settled`).
      const errorCode = ack.errorCode ?? 'error';
      await store.applyMessageStatus(messageId, 'failed', errorCode, ack.error ?? receiptFailureReason(ack.errorCode), this.now().toISOString());
      host.progress(campaign.id);
    }
  }

  private awaitAck(messageId: string): Promise<Ack | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => waiter.resolve(null), this.options.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS);
      timer.unref();
      const waiter: AckWaiter = {
        messageId,
        resolve: (ack) => {
          clearTimeout(timer);
          if (this.ack === waiter) this.ack = null;
          resolve(ack);
        },
      };
      this.ack = waiter;
    });
  }
}
