import { encodeBigEndian, type BinaryNode } from 'baileys';
import { parseJid } from './jid.js';
import { child, childBytes, childNodes, children, iqError, iqResult, readUInt } from './nodes.js';
import { withKeyType } from './keys.js';
import { bundleNode, type PreKeyBundle } from './signal-contacts.js';
import type { LinkedDevice, Peer, World } from './world.js';

/**
 * `xmlns:'encrypt'` queries: the device's own pre-key upload, count, digest and
 * signed pre-key rotation, and fetching other devices' pre-key bundles.
 */
export function handleEncryptIq(world: World, peer: Peer, iq: BinaryNode): BinaryNode {
  const first = childNodes(iq)[0];
  const device = peer.device;
  if (iq.attrs.type === 'get' && first?.tag === 'key') {
    return iqResult(iq, [{ tag: 'list', attrs: {}, content: children(first, 'user').map(u => bundleFor(world, u)) }]);
  }
  if (!device) return iqError(iq, 401, 'not-authorized');
  if (iq.attrs.type === 'get' && first?.tag === 'count') {
    return iqResult(iq, [{ tag: 'count', attrs: { value: String(device.preKeys.size) } }]);
  }
  if (iq.attrs.type === 'get' && first?.tag === 'digest') {
    return iqResult(iq, [digestNode(device)]);
  }
  if (iq.attrs.type === 'set' && child(iq, 'list')) {
    return storeUpload(device, peer, iq);
  }
  if (iq.attrs.type === 'set' && first?.tag === 'rotate') {
    const skey = parseSignedPreKey(child(first, 'skey'));
    if (!skey) return iqError(iq, 400, 'bad-request');
    device.signedPreKey = skey;
    return iqResult(iq);
  }
  return iqResult(iq);
}

function storeUpload(device: LinkedDevice, peer: Peer, iq: BinaryNode): BinaryNode {
  const identity = childBytes(iq, 'identity');
  const registrationId = readUInt(childBytes(iq, 'registration'));
  const skey = parseSignedPreKey(child(iq, 'skey'));
  if (!identity?.equals(device.identityKey) || registrationId === undefined || !skey) {
    return iqError(iq, 406, 'not-acceptable');
  }
  device.registrationId = registrationId;
  device.signedPreKey = skey;
  let stored = 0;
  for (const key of children(child(iq, 'list'), 'key')) {
    const id = readUInt(childBytes(key, 'id'));
    const value = childBytes(key, 'value');
    if (id === undefined || value?.length !== 32) continue;
    device.preKeys.set(id, value);
    stored++;
  }
  peer.log.debug({ stored, total: device.preKeys.size }, 'stored uploaded pre-keys');
  return iqResult(iq);
}

function parseSignedPreKey(node: BinaryNode | undefined): LinkedDevice['signedPreKey'] | null {
  const keyId = readUInt(childBytes(node, 'id'));
  const value = childBytes(node, 'value');
  const signature = childBytes(node, 'signature');
  if (keyId === undefined || value?.length !== 32 || signature?.length !== 64) return null;
  return { keyId, public: value, signature };
}

function digestNode(device: LinkedDevice): BinaryNode {
  return {
    tag: 'digest',
    attrs: {},
    content: [
      { tag: 'type', attrs: {}, content: Buffer.from([5]) },
      { tag: 'identity', attrs: {}, content: device.identityKey },
      { tag: 'skey', attrs: {}, content: [{ tag: 'id', attrs: {}, content: Buffer.from(encodeBigEndian(device.signedPreKey.keyId, 3)) }] },
    ],
  };
}

function notFound(jid: string): BinaryNode {
  return { tag: 'user', attrs: { jid }, content: [{ tag: 'error', attrs: { code: '404', text: 'item-not-found' } }] };
}

/**
 * One user's bundle: an emulated contact's device's keys, or the keys a device linked to
 * an emulated phone uploaded.
 */
function bundleFor(world: World, user: BinaryNode): BinaryNode {
  const jid = user.attrs.jid ?? '';
  const parsed = parseJid(jid);
  const digits = parsed ? world.digitsOf(parsed.user, parsed.isLid) : null;
  if (!parsed || !digits || !world.isOnWhatsApp(digits)) return notFound(jid);
  if (parsed.device === 0) return world.contacts.get(digits).bundleNode(jid);
  const phone = world.phone(digits);
  if (!phone) return world.contacts.device(digits, parsed.device)?.bundleNode(jid) ?? notFound(jid);
  const device = phone.devices.get(parsed.device);
  return device ? bundleNode(jid, takeCompanionBundle(device)) : notFound(jid);
}

/**
 * A linked companion's bundle from what it uploaded. Each one-time pre-key is handed
 * out once, as WhatsApp does; without any left the bundle has only the signed pre-key.
 */
export function takeCompanionBundle(device: LinkedDevice): PreKeyBundle {
  const bundle: PreKeyBundle = {
    registrationId: device.registrationId,
    identityKey: withKeyType(device.identityKey),
    signedPreKey: {
      keyId: device.signedPreKey.keyId,
      publicKey: withKeyType(device.signedPreKey.public),
      signature: device.signedPreKey.signature,
    },
  };
  const next = device.preKeys.entries().next();
  if (!next.done) {
    const [keyId, publicKey] = next.value;
    device.preKeys.delete(keyId);
    bundle.preKey = { keyId, publicKey: withKeyType(publicKey) };
  }
  return bundle;
}
