import { isLidUser, isPnUser, jidDecode, jidNormalizedUser, normalizeMessageContent } from 'baileys';
import type { Contact, LIDMapping, MessageUpsertType, WAMessage } from 'baileys';
import type { InboundMessage, LidMapping } from './provider.js';

/** '966501234567:3@s.whatsapp.net' → '+966501234567'; null for anything that is not a phone number. */
export function phoneFromJid(jid: string | null | undefined): string | null {
  const decoded = jidDecode(jid ?? undefined);
  // A LID (`…@lid`) is an opaque account id, not a phone number.
  if (!decoded || decoded.server !== 's.whatsapp.net') return null;
  return /^\d{6,15}$/.test(decoded.user) ? `+${decoded.user}` : null;
}

/** '123456789012345:3@lid' → '123456789012345@lid'; null for anything that is not a LID. */
export function lidFromJid(jid: string | null | undefined): string | null {
  if (!jid || !isLidUser(jid)) return null;
  const lid = jidNormalizedUser(jid);
  return /^\d+@lid$/.test(lid) ? lid : null;
}

/**
 * Texts other people sent us, from a `messages.upsert` of either type: `notify` (live)
 * or `append` (what WhatsApp queued while we were offline — the same messages, only
 * later). Kept: not ours, with content and no stub (a CIPHERTEXT stub comes before the
 * decrypted message of the same id), 1:1 with a person, with text. The sender is read
 * in the order WhatsApp gives it: the phone-number form of the key, else the LID alone
 * (`from` null) for `resolveSenders` to look up.
 */
export function toInboundMessages(upsert: { messages: WAMessage[]; type: MessageUpsertType }): InboundMessage[] {
  const result: InboundMessage[] = [];
  for (const message of upsert.messages) {
    const { key } = message;
    if (key.fromMe || !key.id || !message.message || message.messageStubType) continue;
    const jids = [key.remoteJidAlt, key.remoteJid];
    const from = jids.map(phoneFromJid).find((phone) => phone !== null) ?? null;
    const fromLid = jids.map(lidFromJid).find((lid) => lid !== null) ?? null;
    // Groups, broadcasts, status and newsletters have neither.
    if (!from && !fromLid) continue;
    const content = normalizeMessageContent(message.message);
    const text = content?.conversation ?? content?.extendedTextMessage?.text ?? null;
    if (text == null || text.length === 0) continue;
    const seconds = Number(message.messageTimestamp ?? 0);
    result.push({ id: key.id, from, fromLid, text, at: (seconds > 0 ? new Date(seconds * 1000) : new Date()).toISOString() });
  }
  return result;
}

/** Fills in the number of senders known only by LID, where `phoneForLid` knows it. */
export async function resolveSenders(messages: InboundMessage[], phoneForLid: (lid: string) => Promise<string | null>): Promise<InboundMessage[]> {
  const known = new Map<string, string | null>();
  const result: InboundMessage[] = [];
  for (const message of messages) {
    if (message.from || !message.fromLid) {
      result.push(message);
      continue;
    }
    if (!known.has(message.fromLid)) known.set(message.fromLid, await phoneForLid(message.fromLid));
    result.push({ ...message, from: known.get(message.fromLid) ?? null });
  }
  return result;
}

/** A Baileys `{ lid, pn }` pair (either may carry a device) as Wasla's mapping, or null if either side is not what it claims. */
export function toLidMapping(pair: Partial<LIDMapping>): LidMapping | null {
  const lid = lidFromJid(pair.lid);
  const phone = isPnUser(pair.pn) ? phoneFromJid(pair.pn) : null;
  return lid && phone ? { lid, phone } : null;
}

export function toLidMappings(pairs: Partial<LIDMapping>[]): LidMapping[] {
  return pairs.map(toLidMapping).filter((mapping): mapping is LidMapping => mapping !== null);
}

/** Contacts from app-state or history name a LID and a number: `id` is one, `lid` / `phoneNumber` the other. */
export function mappingsFromContacts(contacts: Partial<Contact>[]): LidMapping[] {
  return toLidMappings(
    contacts.map((contact) => ({
      lid: lidFromJid(contact.id) ?? contact.lid ?? undefined,
      pn: isPnUser(contact.id) ? contact.id : (contact.phoneNumber ?? undefined),
    })),
  );
}
