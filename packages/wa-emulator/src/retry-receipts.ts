import type { BinaryNode } from 'baileys';
import { ControlError } from './errors.js';
import { lidJid, parseJid, pnJid, toE164 } from './jid.js';
import { unixNow } from './nodes.js';
import type { RetryRequest } from './retries.js';
import { bundleParts } from './signal-contacts.js';
import type { LinkedDevice, Phone, World } from './world.js';

/** A contact's device that would not decrypt its copy of a message. */
export interface RefusedPart {
  digits: string;
  device: number;
  /** The jid the copy was addressed to; the retry receipt comes from it. */
  jid: string;
}

/** Whether the contact device a part of the phone's message is for refuses it (see `RetryDesk`). */
export function refusedPart(world: World, phone: Phone, messageId: string, jid: string): RefusedPart | null {
  const parsed = parseJid(jid);
  const digits = parsed ? world.digitsOf(parsed.user, parsed.isLid) : null;
  if (!parsed || !digits || digits === phone.digits || !world.isOnWhatsApp(digits)) return null;
  if (!world.contacts.device(digits, parsed.device)) return null;
  return phone.retries.takeRefusal(digits, parsed.device, messageId)
    ? { digits, device: parsed.device, jid }
    : null;
}

/**
 * The device asks the linked account to send the message again, as WhatsApp clients do
 * when they cannot decrypt: `receipt{type:'retry'}` with `retry{count, id, t, v}`, the
 * device's registration id and, from the second retry on (or when asked), its keys so
 * the client builds a new Signal session without asking the server for a bundle.
 */
export function requestRetry(
  world: World,
  phone: Phone,
  linked: LinkedDevice,
  part: RefusedPart,
  messageId: string,
  options: { withKeys?: boolean } = {},
): RetryRequest {
  const contact = world.contacts.device(part.digits, part.device);
  if (!contact) throw new ControlError(409, `${toE164(part.digits)} has no device ${part.device}`);
  const desk = phone.retries;
  const count = desk.nextCount(messageId, part.digits, part.device);
  const withKeys = options.withKeys ?? count > 1;
  const t = unixNow();
  const bundle = bundleParts(contact.freshBundle());
  const content: BinaryNode[] = [
    { tag: 'retry', attrs: { count: String(count), id: messageId, t, v: '1' } },
    bundle.registration,
  ];
  if (withKeys) {
    content.push({
      tag: 'keys',
      attrs: {},
      content: [bundle.type, bundle.identity, ...(bundle.key ? [bundle.key] : []), bundle.skey],
    });
  }
  const request: RetryRequest = {
    messageId,
    contact: toE164(part.digits),
    device: part.device,
    jid: part.jid,
    count,
    withKeys,
    to: linked.jid,
    requestedAt: new Date().toISOString(),
    answered: false,
    resend: null,
  };
  desk.record(request);
  world.deliver(phone, linked.id, { tag: 'receipt', attrs: { id: messageId, from: part.jid, type: 'retry', t }, content });
  return request;
}

/**
 * POST /control/retry: the device asks again for a message — one it refused before
 * (the next retry count, from the same jid, to the same linked device) or any id at all,
 * even one the account never sent.
 */
export function retryFromControl(
  world: World,
  phone: Phone,
  input: { digits: string; device: number; messageId: string; withKeys?: boolean; lid: boolean },
): RetryRequest {
  const { digits, device, messageId } = input;
  if (!world.contacts.device(digits, device)) throw new ControlError(409, `${toE164(digits)} has no device ${device}`);
  const previous = phone.retries.latest(messageId, digits, device);
  const linked = previous
    ? [...phone.devices.values()].find(d => d.jid === previous.to)
    : [...phone.devices.values()].at(-1);
  if (!linked) throw new ControlError(409, `no device is linked to ${phone.e164}`);
  const jid = previous?.jid ?? (input.lid ? lidJid(world.lidOf(digits), device) : pnJid(digits, device));
  return requestRetry(world, phone, linked, { digits, device, jid }, messageId, { withKeys: input.withKeys });
}

/**
 * Records a decrypted copy as the resend a device was waiting for, if it was; resolves
 * whether it was one.
 */
export function noteResend(world: World, phone: Phone, messageId: string, jid: string, enc: BinaryNode, text: string | null): boolean {
  const parsed = parseJid(jid);
  const digits = parsed ? world.digitsOf(parsed.user, parsed.isLid) : null;
  if (!parsed || !digits) return false;
  const request = phone.retries.awaitingResend(messageId, digits, parsed.device);
  if (!request) return false;
  const count = enc.attrs.count === undefined ? null : Number(enc.attrs.count);
  request.resend = {
    receivedAt: new Date().toISOString(),
    type: enc.attrs.type === 'pkmsg' ? 'pkmsg' : 'msg',
    count: Number.isInteger(count) ? count : null,
    text,
  };
  return true;
}
