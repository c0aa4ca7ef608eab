/** Delivery state of a message the emulated world received, as WhatsApp's ticks show it. */
export type MessageStatus = 'acked' | 'delivered' | 'read' | 'error';

/** One message a linked client sent into the emulated world, decrypted. */
export interface ReceivedMessage {
  id: string;
  /** E.164 of the linked account that sent it. */
  from: string;
  /** E.164 of the recipient. */
  to: string;
  /** The text, or null when the message carried none (media) or could not be decrypted. */
  text: string | null;
  receivedAt: string;
  status: MessageStatus;
}

const RANK: Record<MessageStatus, number> = { error: 0, acked: 1, delivered: 2, read: 3 };

export class MessageLog {
  private readonly byId = new Map<string, ReceivedMessage>();

  add(message: ReceivedMessage): void {
    this.byId.set(message.id, message);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** Moves a message forward (acked → delivered → read); never backwards. */
  advance(id: string, status: MessageStatus): void {
    const message = this.byId.get(id);
    if (message && message.status !== 'error' && RANK[status] > RANK[message.status]) message.status = status;
  }

  list(): ReceivedMessage[] {
    return [...this.byId.values()].map(m => ({ ...m }));
  }

  clear(): void {
    this.byId.clear();
  }
}

/** How far a message the emulated world sent to the linked account got. */
export type InboundStatus = 'sent' | 'delivered' | 'read';

/**
 * A message sent to a phone's linked account: by an emulated contact (POST
 * /control/inbound), or by a client linked to another emulated phone.
 */
export interface SentMessage {
  id: string;
  /** E.164 of the emulated contact, or of the other emulated phone. */
  from: string;
  /** E.164 of the linked account. */
  to: string;
  text: string;
  sentAt: string;
  status: InboundStatus;
}

const INBOUND_RANK: Record<InboundStatus, number> = { sent: 0, delivered: 1, read: 2 };

export class InboundLog {
  private readonly byId = new Map<string, SentMessage>();

  add(message: SentMessage): void {
    this.byId.set(message.id, message);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** Applies a receipt the client sent: none/'inactive' mean delivered, 'read'/'played' read. */
  receipt(id: string, type: string | undefined): void {
    const message = this.byId.get(id);
    if (!message) return;
    const status: InboundStatus | null =
      type === undefined || type === 'inactive' ? 'delivered' : /^(read|read-self|played)$/.test(type) ? 'read' : null;
    if (status && INBOUND_RANK[status] > INBOUND_RANK[message.status]) message.status = status;
  }

  list(): SentMessage[] {
    return [...this.byId.values()].map(m => ({ ...m }));
  }

  clear(): void {
    this.byId.clear();
  }
}
