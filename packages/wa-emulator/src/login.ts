import { randomBytes } from 'node:crypto';
import type { proto } from 'baileys';
import type { ClientConnection } from './connection.js';
import { SERVER_JID } from './jid.js';
import { verify, withKeyType } from './keys.js';
import type { HandshakeResult } from './noise.js';
import { readUInt, unixNow } from './nodes.js';
import type { Registration, World } from './world.js';

/**
 * Decides what a freshly handshaken client gets, from its ClientPayload: a fresh
 * companion (devicePairingData) gets QR refs, whichever phone later scans them; saved
 * credentials (username + device) get `success` if the emulated phone with that number
 * still has that device linked and the noise key matches, `failure 401` if not (or if
 * no emulated phone has that number), `failure 403` while that account is banned.
 */
export function handleLogin(world: World, peer: ClientConnection, { payload, clientStatic }: HandshakeResult): void {
  if (payload.devicePairingData) {
    startRegistration(world, peer, payload.devicePairingData);
    return;
  }
  if (payload.username === null || payload.username === undefined) {
    peer.log.debug('client payload has neither pairing data nor a username');
    peer.failure(400);
    return;
  }
  const phone = world.phone(String(payload.username));
  if (!phone) {
    peer.log.debug('login for an account this server does not know');
    peer.failure(401);
    return;
  }
  phone.logins++;
  peer.phone = phone;
  const device = phone.devices.get(payload.device ?? 0);
  if (phone.banned) {
    peer.failure(403);
    return;
  }
  if (!device || !device.noiseKey.equals(clientStatic)) {
    peer.log.debug({ device: payload.device }, 'login with credentials of an unlinked device');
    peer.failure(401);
    return;
  }
  // WhatsApp keeps one connection per device: the newer login replaces the older one.
  for (const other of world.peersOf(phone, device.id)) {
    if (other !== peer) other.streamError('conflict');
  }
  peer.state = 'device';
  peer.device = device;
  peer.log.info({ device: device.jid }, 'device logged in');
  peer.send({
    tag: 'success',
    attrs: {
      t: unixNow(),
      lid: device.lid,
      creation: String(Math.floor(device.linkedAt.getTime() / 1000)),
      location: 'emulator',
      props: '1',
    },
  });
}

function startRegistration(
  world: World,
  peer: ClientConnection,
  data: proto.ClientPayload.IDevicePairingRegistrationData,
): void {
  const registration = parseRegistration(data);
  if (!registration) {
    peer.log.debug('invalid device pairing data');
    peer.failure(400);
    return;
  }
  registration.refs = Array.from({ length: world.config.qrRefs }, newRef);
  peer.registration = registration;
  peer.state = 'registering';
  peer
    .request({
      tag: 'iq',
      attrs: { from: SERVER_JID, type: 'set', xmlns: 'md', t: unixNow() },
      content: [
        {
          tag: 'pair-device',
          attrs: {},
          content: registration.refs.map(ref => ({ tag: 'ref', attrs: {}, content: Buffer.from(ref) })),
        },
      ],
    })
    .catch(() => undefined);
  peer.log.debug({ refs: registration.refs.length }, 'sent pair-device');
}

function parseRegistration(data: proto.ClientPayload.IDevicePairingRegistrationData): Registration | null {
  const identityKey = data.eIdent ? Buffer.from(data.eIdent) : null;
  const registrationId = readUInt(data.eRegid ? Buffer.from(data.eRegid) : undefined);
  const keyId = readUInt(data.eSkeyId ? Buffer.from(data.eSkeyId) : undefined);
  const skey = data.eSkeyVal ? Buffer.from(data.eSkeyVal) : null;
  const signature = data.eSkeySig ? Buffer.from(data.eSkeySig) : null;
  if (!identityKey || identityKey.length !== 32 || registrationId === undefined || keyId === undefined) return null;
  if (!skey || skey.length !== 32 || !signature || signature.length !== 64) return null;
  if (!verify(identityKey, withKeyType(skey), signature)) return null;
  return {
    refs: [],
    identityKey,
    registrationId,
    signedPreKey: { keyId, public: skey, signature },
    linkCode: null,
    pairing: false,
  };
}

/** WhatsApp's refs look like '2@<base64>'; any comma-free string works for the QR. */
export function newRef(): string {
  return `2@${randomBytes(36).toString('base64')}`;
}
