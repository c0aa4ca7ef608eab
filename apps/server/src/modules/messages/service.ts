import type { Logger } from 'pino';
import type { Message, MessageStatus, MessageStatusEvent } from '@wasla/protocol';
import { AppError } from '../../errors/app-error.js';
import type { EventBus } from '../../events/events.js';
import { normalizePhone } from '../../phone/phone-number.js';
import type { ReceiptUpdate } from '../../whatsapp/provider.js';
import type { SuppressionsRepository } from '../suppressions/repository.js';
import type { SessionService } from '../sessions/service.js';
import type { SessionRouter } from '../../cluster/owner-router.js';
import type { MessagesRepository } from './repository.js';

export interface MessageServiceOptions {
  repository: MessagesRepository;
  suppressions: SuppressionsRepository;
  sessions: SessionService;
  /** Where a send is carried out: on the instance that runs the session. */
  router: SessionRouter;
  bus: EventBus;
  logger: Logger;
  defaultCountry: string;
  now?: () => Date;
}

/** Sends single messages and keeps their status in step with WhatsApp's receipts. */
export class MessageService {
  private readonly stopFollowingReceipts: () => void;

  /** Follows the sessions' receipts: each one moves its message's status forward, stored, then published. */
  constructor(private readonly options: MessageServiceOptions) {
    this.stopFollowingReceipts = options.bus.subscribe('receipts', ({ sessionId, updates }) => this.applyReceipts(sessionId, updates));
    options.router.handle('message.send', ({ sessionId, to, text }) => this.sendHere(sessionId, to, text));
  }

  close(): void {
    this.stopFollowingReceipts();
  }

  private now(): string {
    return (this.options.now?.() ?? new Date()).toISOString();
  }

  /**
   * Records the message as pending and hands it to WhatsApp. Resolves once it is
   * recorded; the send itself finishes in the background and reports by status.
   */
  async send(sessionId: string, to: string, text: string): Promise<Message> {
    // What can be refused without the session's connection is refused here, wherever it runs.
    normalizePhone(to, this.options.defaultCountry);
    await this.options.sessions.assertExists(sessionId);
    this.options.sessions.assertNotRestricted(sessionId);
    this.options.sessions.assertReady(sessionId);
    if (text.trim().length === 0) throw new AppError('validation_failed', 'The message text is empty.');
    return this.options.router.run('message.send', { sessionId, to, text });
  }

  /** `send`, on the instance that runs the session (checked again there: the session's state is its owner's). */
  private async sendHere(sessionId: string, to: string, text: string): Promise<Message> {
    const phone = normalizePhone(to, this.options.defaultCountry);
    // Like a campaign: nothing goes out while WhatsApp has restricted the number.
    this.options.sessions.assertNotRestricted(sessionId);
    const connection = this.options.sessions.readyConnection(sessionId);
    if (await this.options.suppressions.has(phone.e164)) {
      throw new AppError('opted_out', 'This number opted out of messages (it replied STOP). Remove it from the opt-out list in Settings to message it again.');
    }
    const now = this.now();
    const message = await this.options.repository.insert({
      id: this.options.sessions.newMessageId(),
      sessionId,
      direction: 'out',
      peer: phone.e164,
      text,
      status: 'pending',
      error: null,
      errorCode: null,
      createdAt: now,
      updatedAt: now,
    });
    const log = this.options.logger.child({ sessionId, messageId: message.id });
    void (async () => {
      try {
        const onWhatsApp = await connection.onWhatsApp([phone.digits]);
        if (!onWhatsApp.has(phone.digits)) {
          await this.setStatus(sessionId, message.id, 'failed', 'This number is not on WhatsApp.', 'not_on_whatsapp');
          return;
        }
        await connection.sendText(phone.digits, text, message.id);
        await this.setStatus(sessionId, message.id, 'sent', null, null);
      } catch (error) {
        log.warn({ err: error }, 'send failed');
        // Nothing is resent automatically: the person decides whether to try again.
        await this.setStatus(sessionId, message.id, 'failed', 'WhatsApp did not accept the message.', 'send_failed');
      }
    })().catch((error: unknown) => log.error({ err: error }, 'could not record the outcome of a send'));
    return message;
  }

  /**
   * After a restart: sends a previous run left pending are marked unknown, not resent —
   * those of `sessionIds` when given (what an instance just took over), otherwise all.
   */
  async recoverInterrupted(sessionIds?: readonly string[]): Promise<void> {
    const count = await this.options.repository.markInterrupted(this.now(), 'Wasla stopped while this message was being sent; it was not resent.', sessionIds);
    if (count > 0) this.options.logger.warn({ count, ...(sessionIds ? { sessionIds } : {}) }, 'messages interrupted by a stop are marked unknown');
  }

  /** Applies WhatsApp receipts; a status only ever moves forward. */
  async applyReceipts(sessionId: string, updates: ReceiptUpdate[]): Promise<void> {
    for (const update of updates) {
      const failed = update.status === 'failed';
      const reason = failed ? receiptFailureReason(update.errorCode) : null;
      await this.setStatus(sessionId, update.messageId, update.status, reason, failed ? (update.errorCode ?? 'error') : null);
    }
  }

  async setStatus(sessionId: string, id: string, status: MessageStatus, error: string | null, errorCode: string | null): Promise<void> {
    const updated = await this.options.repository.updateStatus(id, { status, error, errorCode, updatedAt: this.now() });
    if (!updated) return;
    const event: MessageStatusEvent = { id, sessionId, status: updated.status, error: updated.error, errorCode: updated.errorCode, updatedAt: updated.updatedAt };
    this.options.bus.publish('message_status', event);
  }

  list(query: { sessionId?: string; cursor?: string; limit: number }) {
    return this.options.repository.list(query);
  }

  async get(id: string): Promise<Message> {
    const message = await this.options.repository.get(id);
    if (!message) throw new AppError('not_found', 'There is no message with that id.');
    return message;
  }
}

const WHATSAPP_ERRORS: Record<string, string> = {
  '463': 'WhatsApp restricted this account from starting new chats for now.',
  '479': 'WhatsApp refused the message for this recipient.',
};

/** What a person reads when WhatsApp refused a message with this code. */
export function receiptFailureReason(code: string | null): string {
  return (code && WHATSAPP_ERRORS[code]) ?? `WhatsApp rejected the message${code ? ` (error ${code})` : ''}.`;
}
