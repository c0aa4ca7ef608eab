import type { Logger } from 'pino';
import type { EventBus } from '../../events/events.js';
import type { InboundMessage, LidMapping } from '../../whatsapp/provider.js';
import type { SessionService } from '../sessions/service.js';
import type { InboundStore } from './inbound-store.js';
import { storableText } from './storable-text.js';

export interface IncomingMessagesOptions {
  store: InboundStore;
  bus: EventBus;
  logger: Logger;
  /** Asked for the LIDs still held without a number, while the session is ready. */
  sessions: Pick<SessionService, 'connectionIfReady'>;
  now?: () => Date;
}

/**
 * Keeps every text people send to a linked number, exactly once, whether WhatsApp
 * delivers it live or after Wasla was offline, and whoever sent it — by number, or by
 * LID alone until WhatsApp tells which number that is. An opt-out reply is honoured as
 * soon as its sender's number is known.
 */
export class IncomingMessages {
  // One queue per session: a mapping must not overtake the message it resolves.
  private readonly queues = new Map<string, Promise<void>>();
  private readonly unsubscribe: (() => void)[];

  /**
   * Follows what the sessions' connections publish: incoming messages and LID mappings.
   * Each is queued at once, not awaited, so the session's queue keeps the two kinds in
   * the order they were published (a listener orders only its own events).
   */
  constructor(private readonly options: IncomingMessagesOptions) {
    const failed = (sessionId: string, what: string) => (error: unknown) => options.logger.error({ err: error, sessionId }, `could not ${what}`);
    this.unsubscribe = [
      options.bus.subscribe('inbound', ({ sessionId, messages }) => void this.record(sessionId, messages).catch(failed(sessionId, 'record incoming messages'))),
      options.bus.subscribe('lid_mappings', ({ sessionId, mappings }) => void this.identify(sessionId, mappings).catch(failed(sessionId, 'apply LID mappings'))),
    ];
  }

  close(): void {
    for (const stop of this.unsubscribe) stop();
  }

  private now(): string {
    return (this.options.now?.() ?? new Date()).toISOString();
  }

  /** Stores and publishes a batch of incoming messages (in order; repeats ignored). */
  record(sessionId: string, inbound: InboundMessage[]): Promise<void> {
    return this.enqueue(sessionId, async () => {
      for (const received of inbound) await this.recordOne(sessionId, received);
      await this.resolveHeldLids(sessionId);
    });
  }

  /** Applies LID ↔ number pairs WhatsApp announced, then asks about the LIDs still unknown (the announcement may not list them all). */
  identify(sessionId: string, mappings: LidMapping[]): Promise<void> {
    return this.enqueue(sessionId, async () => {
      for (const mapping of mappings) await this.identifyOne(sessionId, mapping);
      await this.resolveHeldLids(sessionId);
    });
  }

  private enqueue(sessionId: string, step: () => Promise<void>): Promise<void> {
    const next = (this.queues.get(sessionId) ?? Promise.resolve()).then(step);
    const settled = next.catch(() => undefined);
    this.queues.set(sessionId, settled);
    void settled.then(() => {
      if (this.queues.get(sessionId) === settled) this.queues.delete(sessionId);
    });
    return next;
  }

  private async recordOne(sessionId: string, received: InboundMessage): Promise<void> {
    const { store } = this.options;
    // A message that names both forms tells us the pair: earlier LID-only messages move first.
    if (received.from && received.fromLid) await this.identifyOne(sessionId, { lid: received.fromLid, phone: received.from });
    const phone = received.from ?? (received.fromLid ? await store.phoneForLid(sessionId, received.fromLid) : null);
    const peer = phone ?? received.fromLid;
    if (!peer) return;
    // WhatsApp stamps messages to the second; the time we received it keeps the log in order.
    const message = await store.record({ sessionId, id: received.id, peer, peerLid: received.fromLid, text: storableText(received.text), at: this.now() });
    if (!message) return;
    this.options.bus.publish('message_received', message);
  }

  private async identifyOne(sessionId: string, mapping: LidMapping): Promise<void> {
    const identified = await this.options.store.identify(sessionId, mapping.lid, mapping.phone, this.now());
    if (!identified || identified.messages === 0) return;
    this.options.logger.info({ sessionId, messages: identified.messages, optedOut: identified.optedOut }, 'messages from a LID moved to its number');
    this.options.bus.publish('sender_identified', { sessionId, lid: mapping.lid, phone: mapping.phone, ...identified });
  }

  /**
   * Baileys learns some pairs without telling (from a lookup when we write to a number,
   * from a message's envelope, from a buffered history sync): ask it about the LIDs
   * still held without a number.
   */
  private async resolveHeldLids(sessionId: string): Promise<void> {
    const connection = this.options.sessions.connectionIfReady(sessionId);
    if (!connection) return;
    const lids = await this.options.store.unresolvedLids(sessionId);
    if (lids.length === 0) return;
    const mappings = await connection.phonesForLids(lids).catch((error: unknown) => {
      this.options.logger.warn({ err: error, sessionId }, 'could not look up the numbers of LIDs');
      return [];
    });
    for (const mapping of mappings) await this.identifyOne(sessionId, mapping);
  }
}
