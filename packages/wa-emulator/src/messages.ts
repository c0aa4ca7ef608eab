import { proto, unpadRandomMax16, type BinaryNode } from 'baileys';
import { lidJid, parseJid, pnJid, toE164, type ParsedJid } from './jid.js';
import { child, children, contentBytes, unixNow } from './nodes.js';
import { noteResend, refusedPart, requestRetry, type RefusedPart } from './retry-receipts.js';
import { ProtocolAddress } from './signal-contacts.js';
import type { LinkedDevice, Peer, Phone, World } from './world.js';

/**
 * A `message` stanza from a linked client. Every `enc` addressed to an emulated
 * device 0 is decrypted with that contact's Signal session (keeping the ratchets in
 * step), the text recorded in the sending phone's log, the stanza acked, and then — as
 * the recipient's phone would — a delivery receipt and later a read receipt come back.
 * Copies for a device linked to another emulated phone are passed on to it unread, as
 * WhatsApp's server does: that client decrypts them itself.
 */
export async function handleMessage(world: World, peer: Peer, node: BinaryNode): Promise<void> {
  const { id, to } = node.attrs;
  const device = peer.device;
  const phone = peer.phone;
  if (!id || !to) return;
  if (!device || !phone) {
    peer.send({ tag: 'ack', attrs: { class: 'message', id, from: to, t: unixNow(), error: '401' } });
    return;
  }
  const target = parseJid(to);
  let text: string | null = null;
  let ownCopyText: string | null = null;
  const refused: RefusedPart[] = [];
  const relayed: Relayed[] = [];
  let phoneGotResend = false;
  for (const { jid, enc } of encryptedParts(node, to)) {
    const relay = relayTarget(world, phone, jid);
    if (relay) {
      relayed.push({ ...relay, enc });
      continue;
    }
    const refusal = refusedPart(world, phone, id, jid);
    if (refusal) {
      refused.push(refusal);
      continue;
    }
    const message = await decryptPart(world, peer, phone, device, jid, enc);
    if (!message) continue;
    const recipient = parseJid(jid);
    if (recipient && world.digitsOf(recipient.user, recipient.isLid) === phone.digits) {
      ownCopyText ??= textOf(message.deviceSentMessage?.message) ?? textOf(message);
    } else {
      text ??= textOf(message);
      if (noteResend(world, phone, id, jid, enc, textOf(message)) && recipient?.device === 0) phoneGotResend = true;
    }
  }
  // Only a phone that read the message says it was delivered (and then read).
  const phoneRefused = refused.some(part => part.device === 0);

  const ackError = phone.config.ackError;
  const digits = target && target.server !== 'g.us' ? world.digitsOf(target.user, target.isLid) : null;
  // Peer messages are the client talking to the phone (key requests, history), not chats.
  const record = !!digits && node.attrs.category !== 'peer' && !phone.messages.has(id);
  if (record) {
    phone.messages.add({
      id,
      from: phone.e164,
      to: toE164(digits),
      text: text ?? ownCopyText,
      receivedAt: new Date().toISOString(),
      status: ackError !== null ? 'error' : 'acked',
    });
  }
  const ack = (): void => {
    peer.send({
      tag: 'ack',
      attrs: { class: 'message', id, from: to, t: unixNow(), ...(ackError !== null ? { error: String(ackError) } : {}) },
    });
    if (ackError !== null) return;
    const delivered = (record && !phoneRefused) || phoneGotResend;
    if (delivered && target && digits && digits !== phone.digits && world.isOnWhatsApp(digits)) {
      scheduleReceipts(world, phone, device, id, receiptJid(target, digits));
    }
    // A device that could not decrypt asks for the message again once the server has it.
    for (const part of refused) requestRetry(world, phone, device, part, id);
    if (relayed.length > 0 && target) relay(world, phone, device, target, node, text ?? ownCopyText, relayed);
  };
  if (phone.config.ackDelayMs > 0) world.later(phone.config.ackDelayMs, ack);
  else ack();
}

/** A device linked to another emulated phone than the sender. */
interface OtherDevice {
  phone: Phone;
  deviceId: number;
}

/** A copy of a message for a device linked to another emulated phone. */
interface Relayed extends OtherDevice {
  enc: BinaryNode;
}

/** The other emulated phone and its linked device a message part is for, if it is for one. */
function relayTarget(world: World, sender: Phone, jid: string): OtherDevice | null {
  const parsed = parseJid(jid);
  const digits = parsed ? world.digitsOf(parsed.user, parsed.isLid) : null;
  const phone = digits && digits !== sender.digits ? world.phone(digits) : undefined;
  if (!parsed || !phone || parsed.device === 0 || !phone.devices.has(parsed.device)) return null;
  return { phone, deviceId: parsed.device };
}

/**
 * Hands each copy to the recipient's linked device (or its offline queue) as coming
 * from the sending device, by phone number or by LID as the sender addressed the chat,
 * and notes the message in the recipient phone's inbound log, where its client's
 * receipts land.
 */
function relay(
  world: World,
  sender: Phone,
  device: LinkedDevice,
  target: ParsedJid,
  node: BinaryNode,
  text: string | null,
  copies: Relayed[],
): void {
  const pn = pnJid(sender.digits, device.id);
  const lid = lidJid(sender.lidUser, device.id);
  const from: Record<string, string> = target.isLid ? { from: lid, sender_pn: pn } : { from: pn, sender_lid: lid };
  const id = node.attrs.id ?? '';
  for (const copy of copies) {
    world.deliver(copy.phone, copy.deviceId, {
      tag: 'message',
      attrs: { id, ...from, t: unixNow(), type: node.attrs.type ?? 'text', notify: sender.config.pushName },
      content: [copy.enc],
    });
    if (!copy.phone.inbound.has(id)) {
      copy.phone.inbound.add({
        id,
        from: sender.e164,
        to: copy.phone.e164,
        text: text ?? '',
        sentAt: new Date().toISOString(),
        status: 'sent',
      });
    }
  }
}

function scheduleReceipts(world: World, phone: Phone, device: LinkedDevice, id: string, from: string): void {
  world.later(phone.config.deliveredDelayMs, () => {
    world.deliver(phone, device.id, { tag: 'receipt', attrs: { id, from, t: unixNow() } });
    phone.messages.advance(id, 'delivered');
    world.later(phone.config.readDelayMs, () => {
      world.deliver(phone, device.id, { tag: 'receipt', attrs: { id, from, t: unixNow(), type: 'read' } });
      phone.messages.advance(id, 'read');
    });
  });
}

/** Receipts come from the chat as the client addressed it: by phone number or by LID. */
function receiptJid(target: ParsedJid, digits: string): string {
  return target.isLid ? lidJid(target.user) : pnJid(digits);
}

function encryptedParts(node: BinaryNode, to: string): { jid: string; enc: BinaryNode }[] {
  // A retry resend in rc14 carries the copy for the asking device twice: as an `enc`
  // with the retry `count`, and again under `participants`. The first one read counts.
  const parts: { jid: string; enc: BinaryNode }[] = children(node, 'enc').map(enc => ({ jid: to, enc }));
  for (const recipient of children(child(node, 'participants'), 'to')) {
    const enc = child(recipient, 'enc');
    if (enc && recipient.attrs.jid) parts.push({ jid: recipient.attrs.jid, enc });
  }
  return parts;
}

async function decryptPart(
  world: World,
  peer: Peer,
  phone: Phone,
  device: LinkedDevice,
  jid: string,
  enc: BinaryNode,
): Promise<proto.Message | null> {
  const recipient = parseJid(jid);
  const digits = recipient ? world.digitsOf(recipient.user, recipient.isLid) : null;
  const type = enc.attrs.type;
  const ciphertext = contentBytes(enc);
  // The account's other companions read their own copies (they get none: not modelled);
  // group (skmsg) copies need sender keys.
  if (!recipient || !digits || !world.isOnWhatsApp(digits)) return null;
  const contact = world.contacts.device(digits, recipient.device);
  if (!contact || !ciphertext || (type !== 'pkmsg' && type !== 'msg')) return null;
  try {
    const sender = new ProtocolAddress(phone.digits, device.id);
    const plaintext = await contact.decrypt(sender, type, ciphertext);
    return proto.Message.decode(unpadRandomMax16(plaintext));
  } catch (err) {
    peer.log.debug({ err, jid }, 'could not decrypt a message part');
    return null;
  }
}

function textOf(message: proto.IMessage | null | undefined): string | null {
  if (!message) return null;
  return message.conversation ?? message.extendedTextMessage?.text ?? null;
}
