import { proto, unpadRandomMax16, type BinaryNode } from 'baileys';
import { lidJid, parseJid, pnJid, toE164, type ParsedJid } from './jid.js';
import { child, children, contentBytes, unixNow } from './nodes.js';
import { noteResend, refusedPart, requestRetry, type RefusedPart } from './retry-receipts.js';
import { ProtocolAddress } from './signal-contacts.js';
import type { LinkedDevice, Peer, World } from './world.js';

/**
 * A `message` stanza from a linked client. Every `enc` addressed to an emulated
 * device 0 is decrypted with that contact's Signal session (keeping the ratchets in
 * step), the text recorded, the stanza acked, and then — as the recipient's phone
 * would — a delivery receipt and later a read receipt come back.
 */
export async function handleMessage(world: World, peer: Peer, node: BinaryNode): Promise<void> {
  const { id, to } = node.attrs;
  const device = peer.device;
  if (!id || !to) return;
  if (!device) {
    peer.send({ tag: 'ack', attrs: { class: 'message', id, from: to, t: unixNow(), error: '401' } });
    return;
  }
  const target = parseJid(to);
  let text: string | null = null;
  let ownCopyText: string | null = null;
  const refused: RefusedPart[] = [];
  let phoneGotResend = false;
  for (const { jid, enc } of encryptedParts(node, to)) {
    const refusal = refusedPart(world, id, jid);
    if (refusal) {
      refused.push(refusal);
      continue;
    }
    const message = await decryptPart(world, peer, device, jid, enc);
    if (!message) continue;
    const recipient = parseJid(jid);
    if (recipient && world.digitsOf(recipient.user, recipient.isLid) === world.digits) {
      ownCopyText ??= textOf(message.deviceSentMessage?.message) ?? textOf(message);
    } else {
      text ??= textOf(message);
      if (noteResend(world, id, jid, enc, textOf(message)) && recipient?.device === 0) phoneGotResend = true;
    }
  }
  // Only a phone that read the message says it was delivered (and then read).
  const phoneRefused = refused.some(part => part.device === 0);

  const ackError = world.config.ackError;
  const digits = target && target.server !== 'g.us' ? world.digitsOf(target.user, target.isLid) : null;
  // Peer messages are the client talking to the phone (key requests, history), not chats.
  const record = !!digits && node.attrs.category !== 'peer' && !world.messages.has(id);
  if (record) {
    world.messages.add({
      id,
      from: world.e164,
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
    const delivered = (record && !phoneRefused) || phoneGotResend;
    if (delivered && target && digits && ackError === null && digits !== world.digits && world.isOnWhatsApp(digits)) {
      scheduleReceipts(world, device, id, receiptJid(target, digits));
    }
    // A device that could not decrypt asks for the message again once the server has it.
    if (ackError === null) for (const part of refused) requestRetry(world, device, part, id);
  };
  if (world.config.ackDelayMs > 0) world.later(world.config.ackDelayMs, ack);
  else ack();
}

function scheduleReceipts(world: World, device: LinkedDevice, id: string, from: string): void {
  world.later(world.config.deliveredDelayMs, () => {
    world.deliver(device.id, { tag: 'receipt', attrs: { id, from, t: unixNow() } });
    world.messages.advance(id, 'delivered');
    world.later(world.config.readDelayMs, () => {
      world.deliver(device.id, { tag: 'receipt', attrs: { id, from, t: unixNow(), type: 'read' } });
      world.messages.advance(id, 'read');
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
  device: LinkedDevice,
  jid: string,
  enc: BinaryNode,
): Promise<proto.Message | null> {
  const recipient = parseJid(jid);
  const digits = recipient ? world.digitsOf(recipient.user, recipient.isLid) : null;
  const type = enc.attrs.type;
  const ciphertext = contentBytes(enc);
  // The account's other companions read their own copies; group (skmsg) copies need sender keys.
  if (!recipient || !digits || !world.isOnWhatsApp(digits)) return null;
  const contact = world.contacts.device(digits, recipient.device);
  if (!contact || !ciphertext || (type !== 'pkmsg' && type !== 'msg')) return null;
  try {
    const sender = new ProtocolAddress(world.digits, device.id);
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
