/**
 * What the rest of Wasla knows about WhatsApp. Only the adapter behind this interface
 * imports Baileys; the session service and the message service speak these types.
 */

/** Why a connection closed, as WhatsApp (through Baileys) reported it. */
export interface ConnectionClose {
  statusCode: number | null;
  message: string | null;
}

/** A message's progress as WhatsApp reports it, already mapped from Baileys' numbers. */
export interface ReceiptUpdate {
  messageId: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  /** WhatsApp's own error code for a failed send, e.g. '463' (account restricted). */
  errorCode: string | null;
}

/** A text someone sent to the linked number. */
export interface InboundMessage {
  /** WhatsApp's message id; a redelivery carries the same id. */
  id: string;
  /** The sender, E.164; null when WhatsApp named the sender only by LID and its number is not known. */
  from: string | null;
  /** The sender's LID (`<digits>@lid`, no device) when WhatsApp named one. */
  fromLid: string | null;
  /** As the sender wrote it; may hold any character (NUL included). */
  text: string;
  /** When the sender sent it, ISO-8601 (events carry JSON data only). */
  at: string;
}

/** WhatsApp told us which phone number stands behind a LID. */
export interface LidMapping {
  /** `<digits>@lid`, no device. */
  lid: string;
  /** E.164. */
  phone: string;
}

/** Events of one connection. After `closed` no other event of that connection arrives. */
export interface ConnectionListener {
  connecting(): void;
  qr(qr: { text: string; expiresAt: Date }): void;
  open(info: { phoneNumber: string | null }): void;
  closed(reason: ConnectionClose): void;
  receipts(updates: ReceiptUpdate[]): void;
  /**
   * Texts from other people (not our own messages, not groups or status updates), live
   * or delivered after being offline, in the order WhatsApp delivered them.
   */
  inbound(messages: InboundMessage[]): void;
  /**
   * LID ↔ phone number pairs WhatsApp announced (contacts, history sync, LID
   * notifications). May be empty after a history sync whose pairs the connection kept
   * but could not pass on: ask `phonesForLids` about the LIDs still unknown.
   */
  lidMappings(mappings: LidMapping[]): void;
}

/** A send cut off by the connection closing: WhatsApp may or may not have the message. */
export class ConnectionClosedDuringSend extends Error {
  constructor() {
    super('The connection to WhatsApp closed during the send.');
    this.name = 'ConnectionClosedDuringSend';
  }
}

/** One live WhatsApp connection (one Baileys socket). Never reused after it closes. */
export interface WhatsAppConnection {
  /** Asks WhatsApp for an 8-character code to type on the phone; `digits` includes the country code. */
  requestPairingCode(digits: string): Promise<string>;
  /** Sends a text; `messageId` is chosen (and stored) by the caller before the send. */
  sendText(toDigits: string, text: string, messageId: string): Promise<void>;
  /** Returns which of the given numbers (digits only) have WhatsApp. */
  onWhatsApp(digits: string[]): Promise<Set<string>>;
  /** The numbers this connection already knows for the given LIDs (it asks nobody); unknown ones are left out. */
  phonesForLids(lids: string[]): Promise<LidMapping[]>;
  /** Unlinks this device from the phone (best effort) and ends the connection. */
  logout(): Promise<void>;
  /** Ends the connection without unlinking; `closed` follows. */
  end(): void;
}

export interface WhatsAppProvider {
  connect(sessionId: string, listener: ConnectionListener): WhatsAppConnection;
  /** Deletes the stored credentials and keys; call only after the connection ended. */
  wipeCredentials(sessionId: string): Promise<void>;
  hasCredentials(sessionId: string): Promise<boolean>;
  /** A new id in WhatsApp's own message-id format. */
  newMessageId(): string;
}

/** Persistence the adapter needs for credentials and Signal keys (strings of JSON). */
export interface WhatsAppAuthRepository {
  readCreds(sessionId: string): Promise<string | null>;
  writeCreds(sessionId: string, json: string): Promise<void>;
  readKeys(sessionId: string, type: string, ids: string[]): Promise<Map<string, string>>;
  writeKeys(sessionId: string, entries: { type: string; id: string; value: string | null }[]): Promise<void>;
  wipe(sessionId: string): Promise<void>;
  hasCreds(sessionId: string): Promise<boolean>;
}

/**
 * What Wasla sent, so WhatsApp's client can send a message again when a recipient's
 * device could not decrypt it and asks for it (a retry receipt).
 */
export interface SentMessageLookup {
  /** The text of a message this session sent (and WhatsApp may have), or null when there is none. */
  sentText(sessionId: string, messageId: string): Promise<string | null>;
}

/**
 * Persistence for how often each message was counted as retried for each asking device
 * (opaque keys chosen by the adapter), so a reconnect or a restart keeps the count.
 */
export interface WhatsAppRetryCountRepository {
  /** The count, or null when there is none or it expired. */
  read(sessionId: string, key: string): Promise<number | null>;
  write(sessionId: string, key: string, count: number, expiresAt: Date): Promise<void>;
  remove(sessionId: string, key: string): Promise<void>;
  /** Forgets every count of the session. */
  clear(sessionId: string): Promise<void>;
  /** Forgets the session's expired counts. */
  removeExpired(sessionId: string): Promise<void>;
}
