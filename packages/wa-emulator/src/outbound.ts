import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { encodeWAMessage, proto, type BinaryNode } from 'baileys';
import { ControlError } from './errors.js';
import { SERVER_JID, lidJid, pnJid, toDigits, toE164 } from './jid.js';
import { unixNow } from './nodes.js';
import { takeCompanionBundle } from './prekeys.js';
import { ProtocolAddress } from './signal-contacts.js';
import type { SentMessage } from './message-log.js';
import type { LinkedDevice, Phone, World } from './world.js';

const MAX_TEXT = 65_536;

function messageId(): string {
  return `3EB0${randomBytes(10).toString('hex').toUpperCase()}`;
}

/**
 * Encrypts one message from an emulated user's device 0 for each of the given devices
 * linked to the phone (each has its own Signal session, built from the pre-keys it
 * uploaded) and hands it over, or queues it for the device's next login.
 */
async function deliverEncrypted(
  world: World,
  phone: Phone,
  fromDigits: string,
  message: proto.IMessage,
  attrs: Record<string, string>,
  devices: LinkedDevice[],
): Promise<void> {
  const contact = world.contacts.get(fromDigits);
  const plaintext = Buffer.from(encodeWAMessage(message));
  for (const device of devices) {
    const remote = new ProtocolAddress(phone.digits, device.id);
    const { type, ciphertext } = await contact.encrypt(remote, () => takeCompanionBundle(device), plaintext);
    const node: BinaryNode = {
      tag: 'message',
      attrs: { ...attrs, t: unixNow(), type: 'text' },
      content: [{ tag: 'enc', attrs: { v: '2', type }, content: ciphertext }],
    };
    world.deliver(phone, device.id, node);
  }
}

/**
 * How WhatsApp names the sender of a 1:1 message: by phone number (with its LID in
 * `sender_lid`), by LID with the number in `sender_pn`, or by LID alone — a contact whose
 * number the linked account may not see.
 */
export type SenderAddressing = 'pn' | 'lid' | 'lid-only';

export interface ContactMessage {
  from: string;
  text: string;
  /** The push name the contact shows. */
  name?: string;
  /** Reuse a message id, as WhatsApp does when it delivers a message again. */
  id?: string;
  addressing?: SenderAddressing;
}

/**
 * An emulated contact writes to the phone's linked account (POST /control/inbound). The
 * contact may be another emulated phone; then it is that phone itself (device 0) that
 * writes, not a client linked to it.
 */
export async function sendFromContact(
  world: World,
  phone: Phone,
  message: ContactMessage,
): Promise<SentMessage & { lid: string }> {
  const { from, text, name, addressing = 'pn' } = message;
  const digits = toDigits(from);
  if (!digits) throw new ControlError(400, `"from" is not a phone number: ${from}`);
  if (digits === phone.digits) throw new ControlError(400, '"from" must be another number than the phone itself');
  if (text.length > MAX_TEXT) throw new ControlError(400, `"text" is longer than ${MAX_TEXT} characters`);
  if (!world.isOnWhatsApp(digits)) throw new ControlError(409, `${toE164(digits)} is not on WhatsApp`);
  const devices = [...phone.devices.values()];
  if (devices.length === 0) throw new ControlError(409, `no device is linked to ${phone.e164}`);
  const id = message.id ?? messageId();
  const lid = lidJid(world.lidOf(digits));
  await deliverEncrypted(
    world,
    phone,
    digits,
    { conversation: text },
    {
      id,
      ...senderAttrs(addressing, pnJid(digits), lid),
      ...(name ? { notify: name } : {}),
    },
    devices,
  );
  const sent: SentMessage = {
    id,
    from: toE164(digits),
    to: phone.e164,
    text,
    sentAt: new Date().toISOString(),
    status: 'sent',
  };
  phone.inbound.add(sent);
  return { ...sent, lid };
}

function senderAttrs(addressing: SenderAddressing, pn: string, lid: string): Record<string, string> {
  switch (addressing) {
    case 'pn':
      // Tells the client the sender's LID, as WhatsApp does for phone-number chats.
      return { from: pn, sender_lid: lid };
    case 'lid':
      return { from: lid, sender_pn: pn };
    case 'lid-only':
      return { from: lid };
  }
}

/** How the phone's side tells a linked device a LID's number. */
export type LidAnnouncement = 'notification' | 'history';

/**
 * WhatsApp tells a linked device which number stands behind a LID with a `mex`
 * notification (NotificationLinkedProfilesUpdates; Baileys stores the pair and emits
 * `lid-mapping.update`), or the phone includes it in a history sync
 * (`phoneNumberToLidMappings`; Baileys emits `messaging-history.set` with
 * `lidPnMappings`). Queued like any stanza while the device is offline.
 */
export async function announceLidMapping(
  world: World,
  phone: Phone,
  contact: { field: string; number: string },
  via: LidAnnouncement,
): Promise<{ lid: string; pn: string }> {
  const digits = toDigits(contact.number);
  if (!digits) throw new ControlError(400, `"${contact.field}" is not a phone number: ${contact.number}`);
  if (phone.devices.size === 0) throw new ControlError(409, `no device is linked to ${phone.e164}`);
  const lid = lidJid(world.lidOf(digits));
  const pn = pnJid(digits);
  if (via === 'history') {
    // Baileys stores history's pairs and passes them on in `messaging-history.set`.
    await pushHistory(world, phone, [...phone.devices.values()], 'PUSH_NAME', { phoneNumberToLidMappings: [{ pnJid: pn, lidJid: lid }], pushnames: [] });
    return { lid, pn };
  }
  const payload = { data: { xwa2_notify_linked_profiles: { jid: lid, added_profiles: [{ pn }] } } };
  for (const device of phone.devices.values()) {
    world.deliver(phone, device.id, {
      tag: 'notification',
      attrs: { from: SERVER_JID, type: 'mex', id: messageId(), t: unixNow() },
      content: [
        {
          tag: 'update',
          attrs: { op_name: 'NotificationLinkedProfilesUpdates' },
          content: Buffer.from(JSON.stringify(payload)),
        },
      ],
    });
  }
  return { lid, pn };
}

/**
 * After a device's first login the phone pushes its initial history sync, as a real
 * phone does. Baileys waits up to 20 s for it before releasing buffered events on a
 * first connection; an empty bootstrap lets it go online at once.
 */
export async function pushInitialHistory(world: World, phone: Phone, device: LinkedDevice): Promise<void> {
  await pushHistory(world, phone, [device], 'INITIAL_BOOTSTRAP', { conversations: [], progress: 100 });
}

/**
 * The phone's history sync (its payload inline, as for a bootstrap) to the given
 * devices; queued for an offline one.
 */
async function pushHistory(
  world: World,
  phone: Phone,
  devices: LinkedDevice[],
  syncType: 'INITIAL_BOOTSTRAP' | 'PUSH_NAME',
  content: Omit<proto.IHistorySync, 'syncType'>,
): Promise<void> {
  const history = proto.HistorySync.encode({ ...content, syncType: proto.HistorySync.HistorySyncType[syncType] }).finish();
  await deliverEncrypted(
    world,
    phone,
    phone.digits,
    {
      protocolMessage: {
        type: proto.Message.ProtocolMessage.Type.HISTORY_SYNC_NOTIFICATION,
        historySyncNotification: {
          syncType: proto.Message.HistorySyncType[syncType],
          progress: 100,
          chunkOrder: 0,
          initialHistBootstrapInlinePayload: deflateSync(history),
        },
      },
    },
    // `notify` on our own phone's message is how a client learns the account's name.
    { id: messageId(), from: pnJid(phone.digits), category: 'peer', notify: phone.config.pushName },
    devices,
  );
}
