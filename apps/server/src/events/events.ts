import type { CampaignProgress, Message, MessageStatusEvent, SenderIdentified, SessionState, SessionTransition } from '@wasla/protocol';
import type { InboundMessage, LidMapping, ReceiptUpdate } from '../whatsapp/provider.js';
import type { CredentialChange } from '../modules/auth/principal.js';

/**
 * Everything the server publishes, by name, with what each event carries. Payloads are
 * JSON-serialisable data only (no Dates, classes or functions), so a bus between
 * instances can carry them as they are.
 */
export interface ServerEvents {
  /** A session's new state (rev + 1): the WebSocket hub pushes it; campaigns follow it. */
  session_update: SessionState;
  /** A session's status changed (the timeline, metrics). */
  session_transition: SessionTransition;
  /** A sent message's status moved forward (stored first). */
  message_status: MessageStatusEvent;
  /** An incoming message was stored (once per WhatsApp id). */
  message_received: Message;
  /** WhatsApp told which number a LID is: that many stored messages moved from the LID to it. */
  sender_identified: SenderIdentified;
  campaign_progress: CampaignProgress;
  /** WhatsApp's acks and receipts of the session's messages, as its connection reported them. */
  receipts: { sessionId: string; updates: ReceiptUpdate[] };
  /** Texts people sent to the session's number, in the order WhatsApp delivered them. */
  inbound: { sessionId: string; messages: InboundMessage[] };
  /** LID ↔ number pairs WhatsApp announced to the session (possibly none: ask for the LIDs still held). */
  lid_mappings: { sessionId: string; mappings: LidMapping[] };
  /**
   * A login, key or user's credentials ended or changed (`origin`: the auth service that
   * made the change, which applied it already): every instance forgets the principals it
   * cached for it and looks again at the sockets it touches.
   */
  credentials_changed: { origin: string; change: CredentialChange };
}

export type ServerEventName = keyof ServerEvents;

/**
 * Where an event is delivered once Wasla runs as several instances. `cluster`: on every
 * instance, because a WebSocket client may be connected to any of them. `local`: only on
 * the instance that published it — the one holding the session's WhatsApp connection —
 * because its listeners store what it says, which must happen once. A bus between
 * instances forwards the `cluster` events and keeps the `local` ones in the process.
 */
export const EVENT_REACH: { readonly [E in ServerEventName]: 'cluster' | 'local' } = {
  session_update: 'cluster',
  session_transition: 'cluster',
  message_status: 'cluster',
  message_received: 'cluster',
  sender_identified: 'cluster',
  campaign_progress: 'cluster',
  receipts: 'local',
  inbound: 'local',
  lid_mappings: 'local',
  credentials_changed: 'cluster',
};

/**
 * Handles one event. A listener may be async: its next event waits until this one
 * settled, so it sees events in the order they were published.
 */
export type EventListener<E extends ServerEventName> = (payload: ServerEvents[E]) => void | Promise<void>;

/**
 * The server's event bus, created once per app in `buildApp`. Publishing never waits for
 * a listener and never fails because of one: listeners run after the publisher returns,
 * each in the order events were published, and one that throws or rejects is logged
 * without stopping the others.
 */
export interface EventBus {
  publish<E extends ServerEventName>(event: E, payload: ServerEvents[E]): void;
  /** Returns the function that stops the listener; events already queued for it are dropped. */
  subscribe<E extends ServerEventName>(event: E, listener: EventListener<E>): () => void;
}
