import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { encodeWAMessage, proto, type BinaryNode } from 'baileys';
import { ControlError } from './errors.js';
import { lidJid, pnJid, toDigits, toE164 } from './jid.js';
import { unixNow } from './nodes.js';
import { takeCompanionBundle } from './prekeys.js';
import { ProtocolAddress } from './signal-contacts.js';
import type { SentMessage } from './message-log.js';
import type { LinkedDevice, World } from './world.js';

const MAX_TEXT = 65_536;

function messageId(): string {
  return `3EB0${randomBytes(10).toString('hex').toUpperCase()}`;
}

/**
 * Encrypts one message from an emulated user's device 0 for each linked companion
 * (each has its own Signal session, built from the pre-keys it uploaded) and hands it
 * over, or queues it for the device's next login.
 */
async function deliverEncrypted(
  world: World,
  fromDigits: string,
  message: proto.IMessage,
  attrs: Record<string, string>,
  devices: LinkedDevice[],
): Promise<void> {
  const contact = world.contacts.get(fromDigits);
  const plaintext = Buffer.from(encodeWAMessage(message));
  for (const device of devices) {
    const remote = new ProtocolAddress(world.digits, device.id);
    const { type, ciphertext } = await contact.encrypt(remote, () => takeCompanionBundle(device), plaintext);
    const node: BinaryNode = {
      tag: 'message',
      attrs: { ...attrs, t: unixNow(), type: 'text' },
      content: [{ tag: 'enc', attrs: { v: '2', type }, content: ciphertext }],
    };
    world.deliver(device.id, node);
  }
}

/** An emulated contact writes to the linked account (POST /control/inbound). */
export async function sendFromContact(world: World, from: string, text: string, name?: string): Promise<SentMessage> {
  const digits = toDigits(from);
  if (!digits) throw new ControlError(400, `"from" is not a phone number: ${from}`);
  if (digits === world.digits) throw new ControlError(400, '"from" must be another number than the phone itself');
  if (text.length > MAX_TEXT) throw new ControlError(400, `"text" is longer than ${MAX_TEXT} characters`);
  if (!world.isOnWhatsApp(digits)) throw new ControlError(409, `${toE164(digits)} is not on WhatsApp`);
  const devices = [...world.devices.values()];
  if (devices.length === 0) throw new ControlError(409, 'no device is linked to the phone');
  const id = messageId();
  await deliverEncrypted(
    world,
    digits,
    { conversation: text },
    {
      id,
      from: pnJid(digits),
      // Tells the client the sender's LID, as WhatsApp does for phone-number chats.
      sender_lid: lidJid(world.lidOf(digits)),
      ...(name ? { notify: name } : {}),
    },
    devices,
  );
  const sent: SentMessage = {
    id,
    from: toE164(digits),
    to: world.e164,
    text,
    sentAt: new Date().toISOString(),
    status: 'sent',
  };
  world.inbound.add(sent);
  return sent;
}

/**
 * After a device's first login the phone pushes its initial history sync, as a real
 * phone does. Baileys waits up to 20 s for it before releasing buffered events on a
 * first connection; an empty bootstrap lets it go online at once.
 */
export async function pushInitialHistory(world: World, device: LinkedDevice): Promise<void> {
  const history = proto.HistorySync.encode({
    syncType: proto.HistorySync.HistorySyncType.INITIAL_BOOTSTRAP,
    conversations: [],
    progress: 100,
  }).finish();
  await deliverEncrypted(
    world,
    world.digits,
    {
      protocolMessage: {
        type: proto.Message.ProtocolMessage.Type.HISTORY_SYNC_NOTIFICATION,
        historySyncNotification: {
          syncType: proto.Message.HistorySyncType.INITIAL_BOOTSTRAP,
          progress: 100,
          chunkOrder: 0,
          initialHistBootstrapInlinePayload: deflateSync(history),
        },
      },
    },
    // `notify` on our own phone's message is how a client learns the account's name.
    { id: messageId(), from: pnJid(world.digits), category: 'peer', notify: world.config.pushName },
    [device],
  );
}
