import { createHmac, randomInt } from 'node:crypto';
import { proto, type BinaryNode } from 'baileys';
import { ControlError } from './errors.js';
import { SERVER_JID } from './jid.js';
import { sign, verify } from './keys.js';
import { child, childBytes, unixNow } from './nodes.js';
import type { LinkedDevice, Peer, Phone, World } from './world.js';

const ADV_ACCOUNT_SIG_PREFIX = Buffer.from([6, 0]);
const ADV_DEVICE_SIG_PREFIX = Buffer.from([6, 1]);

export interface ParsedQr {
  ref: string;
  noiseKey: Buffer;
  identityKey: Buffer;
  advSecret: Buffer;
}

/** Parses Baileys' QR string: `[<link>#]<ref>,<noiseKey>,<identityKey>,<advSecret>[,<platform>]`. */
export function parseQr(qr: string): ParsedQr | null {
  const body = qr.includes('#') ? qr.slice(qr.lastIndexOf('#') + 1) : qr;
  const [ref, noise, identity, adv] = body.split(',');
  if (!ref || !noise || !identity || !adv) return null;
  const parsed = {
    ref,
    noiseKey: Buffer.from(noise, 'base64'),
    identityKey: Buffer.from(identity, 'base64'),
    advSecret: Buffer.from(adv, 'base64'),
  };
  if (parsed.noiseKey.length !== 32 || parsed.identityKey.length !== 32 || parsed.advSecret.length !== 32) return null;
  return parsed;
}

/**
 * A phone scans a QR: find the waiting client that shows it, then link it to that
 * phone's account. Any waiting client can be linked to any phone, as in the real world.
 */
export async function scanQr(world: World, phone: Phone, qr: string): Promise<LinkedDevice> {
  const parsed = parseQr(qr);
  if (!parsed) throw new ControlError(400, 'not a WhatsApp pairing QR string');
  if (phone.banned) throw new ControlError(409, `the account ${phone.e164} is banned`);
  const peer = [...world.peers].find(p => p.registration?.refs.includes(parsed.ref));
  if (!peer?.registration || !peer.isOpen) {
    throw new ControlError(404, 'no connected client is waiting with this QR ref');
  }
  if (peer.state !== 'registering' || peer.registration.pairing) {
    throw new ControlError(409, 'this client is already being paired');
  }
  if (!peer.clientStatic?.equals(parsed.noiseKey) || !peer.registration.identityKey.equals(parsed.identityKey)) {
    throw new ControlError(400, 'the QR keys do not match the client that was given this ref');
  }
  return pairDevice(phone, peer, parsed.advSecret);
}

/**
 * Links a registering client to the phone's account the way a phone does: a device identity signed with
 * the account key, wrapped in an HMAC keyed by the client's ADV secret, sent as
 * pair-success. The client's answer must carry a valid device signature; then the
 * device is linked and the client told to restart (stream:error 515).
 */
export async function pairDevice(phone: Phone, peer: Peer, advSecret: Buffer): Promise<LinkedDevice> {
  const registration = peer.registration;
  if (!registration || !peer.clientStatic) throw new ControlError(409, 'client is not registering');
  registration.pairing = true;
  try {
    const alloc = phone.allocateDevice();
    const companionIdentity = registration.identityKey;
    const details = Buffer.from(
      proto.ADVDeviceIdentity.encode({
        rawId: randomInt(1, 2 ** 31),
        timestamp: Math.floor(Date.now() / 1000),
        keyIndex: alloc.keyIndex,
        accountType: proto.ADVEncryptionType.E2EE,
        deviceType: proto.ADVEncryptionType.E2EE,
      }).finish(),
    );
    const accountSignature = sign(
      phone.account.private,
      Buffer.concat([ADV_ACCOUNT_SIG_PREFIX, details, companionIdentity]),
    );
    const signedIdentity = Buffer.from(
      proto.ADVSignedDeviceIdentity.encode({
        details,
        accountSignatureKey: phone.account.public,
        accountSignature,
      }).finish(),
    );
    const container = proto.ADVSignedDeviceIdentityHMAC.encode({
      details: signedIdentity,
      hmac: createHmac('sha256', advSecret).update(signedIdentity).digest(),
      accountType: proto.ADVEncryptionType.E2EE,
    }).finish();
    const answer = await peer
      .request(
        {
          tag: 'iq',
          attrs: { from: SERVER_JID, type: 'set', xmlns: 'md', t: unixNow() },
          content: [
            {
              tag: 'pair-success',
              attrs: {},
              content: [
                { tag: 'device-identity', attrs: { 'key-index': String(alloc.keyIndex) }, content: container },
                { tag: 'platform', attrs: { name: 'android' } },
                { tag: 'device', attrs: { jid: alloc.jid, lid: alloc.lid } },
              ],
            },
          ],
        },
        15_000,
      )
      .catch((err: Error) => {
        throw new ControlError(502, `the client did not answer pair-success: ${err.message}`);
      });
    checkDeviceSignature(answer, details, companionIdentity, phone.account.public);
    const device: LinkedDevice = {
      ...alloc,
      noiseKey: peer.clientStatic,
      identityKey: companionIdentity,
      registrationId: registration.registrationId,
      signedPreKey: registration.signedPreKey,
      preKeys: new Map(),
      linkedAt: new Date(),
      pending: [],
      historyPushed: false,
    };
    phone.devices.set(device.id, device);
    peer.log.info({ deviceId: device.id }, 'device linked; asking the client to restart');
    peer.streamError(515);
    return device;
  } finally {
    registration.pairing = false;
  }
}

function checkDeviceSignature(answer: BinaryNode, details: Buffer, identity: Buffer, accountKey: Buffer): void {
  if (answer.attrs.type !== 'result') throw new ControlError(502, 'the client rejected pair-success');
  const bytes = childBytes(child(answer, 'pair-device-sign'), 'device-identity');
  if (!bytes) throw new ControlError(502, 'the client answered pair-success without a device identity');
  const signed = proto.ADVSignedDeviceIdentity.decode(bytes);
  const signedDetails = signed.details ? Buffer.from(signed.details) : Buffer.alloc(0);
  const message = Buffer.concat([ADV_DEVICE_SIG_PREFIX, details, identity, accountKey]);
  if (!signedDetails.equals(details) || !signed.deviceSignature || !verify(identity, message, signed.deviceSignature)) {
    throw new ControlError(502, 'the client signed its device identity wrongly');
  }
}
