import { toE164 } from './jid.js';

/** A message sent again after a retry receipt, as the asking device decrypted it. */
export interface Resend {
  receivedAt: string;
  /** `pkmsg` when the client built a new Signal session for the resend, as it should. */
  type: 'pkmsg' | 'msg';
  /** The stanza's `enc count`: the retry it answers. Null on a resend to every device of the user (device 0 asked). */
  count: number | null;
  text: string | null;
}

/** One retry receipt an emulated contact's device sent to the linked account. */
export interface RetryRequest {
  messageId: string;
  /** E.164 of the contact. */
  contact: string;
  /** The contact's device that asked: 0 is the phone, others are companions. */
  device: number;
  /** The receipt's `from`: that device's jid, by phone number or LID as the message addressed it. */
  jid: string;
  count: number;
  /** Whether the receipt carried `keys`, so the client could build a new session without asking the server. */
  withKeys: boolean;
  /** The linked device the receipt went to. */
  to: string;
  requestedAt: string;
  /** The client acked the receipt (it acks after sending whatever it resends). */
  answered: boolean;
  resend: Resend | null;
}

interface Refusal {
  ids: Set<string>;
  /** How many more messages, whatever their id, the device refuses. */
  next: number;
}

/**
 * Which contact devices refuse to decrypt which messages, and every retry they asked
 * for. A refused message is not decrypted at all — as if its ciphertext were damaged —
 * so the device's Signal state stays where it was.
 */
export class RetryDesk {
  private readonly refusals = new Map<string, Refusal>();
  private readonly requests: RetryRequest[] = [];

  refuse(digits: string, device: number, ids: string[], next: number): void {
    const key = deviceKey(digits, device);
    const refusal = this.refusals.get(key) ?? { ids: new Set(), next: 0 };
    for (const id of ids) refusal.ids.add(id);
    refusal.next += next;
    this.refusals.set(key, refusal);
  }

  /** Whether the device refuses this message; a refusal of "the next N" is used up by it. */
  takeRefusal(digits: string, device: number, messageId: string): boolean {
    const refusal = this.refusals.get(deviceKey(digits, device));
    if (!refusal) return false;
    if (refusal.ids.delete(messageId)) return true;
    if (refusal.next === 0) return false;
    refusal.next -= 1;
    return true;
  }

  /** The retry count the device's next receipt for this message carries (1 for the first). */
  nextCount(messageId: string, digits: string, device: number): number {
    return this.of(messageId, digits, device).length + 1;
  }

  /** The device's earlier receipt for this message, if any. */
  latest(messageId: string, digits: string, device: number): RetryRequest | undefined {
    return this.of(messageId, digits, device).at(-1);
  }

  record(request: RetryRequest): void {
    this.requests.push(request);
  }

  /** The device's newest receipt for this message that no resend answered yet. */
  awaitingResend(messageId: string, digits: string, device: number): RetryRequest | undefined {
    const latest = this.latest(messageId, digits, device);
    return latest && latest.resend === null ? latest : undefined;
  }

  /** The client acked a retry receipt: the oldest unanswered one with that id and jid. */
  answered(messageId: string, jid: string): void {
    const request = this.requests.find(r => r.messageId === messageId && r.jid === jid && !r.answered);
    if (request) request.answered = true;
  }

  list(): RetryRequest[] {
    return this.requests.map(r => ({ ...r, resend: r.resend ? { ...r.resend } : null }));
  }

  clear(): void {
    this.requests.length = 0;
    this.refusals.clear();
  }

  private of(messageId: string, digits: string, device: number): RetryRequest[] {
    const contact = toE164(digits);
    return this.requests.filter(r => r.messageId === messageId && r.contact === contact && r.device === device);
  }
}

function deviceKey(digits: string, device: number): string {
  return `${digits}:${device}`;
}
