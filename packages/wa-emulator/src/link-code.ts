import { randomBytes } from 'node:crypto';
import {
  Curve,
  aesDecryptCTR,
  aesDecryptGCM,
  aesEncryptCTR,
  derivePairingCodeKey,
  hkdf,
  type BinaryNode,
} from 'baileys';
import { ControlError } from './errors.js';
import { SERVER_JID, toDigits, toE164 } from './jid.js';
import { generateKeyPair } from './keys.js';
import { child, childBytes, iqError, iqResult, unixNow } from './nodes.js';
import { newRef } from './login.js';
import { pairDevice } from './pairing.js';
import type { LinkedDevice, Peer, Phone, World } from './world.js';

/** Baileys draws codes from this Crockford-style alphabet (no 0, O, I, U). */
const CODE_PATTERN = /^[1-9A-HJ-NP-TV-Z]{8}$/;
const FINISH_TIMEOUT_MS = 15_000;

/**
 * The client's `companion_hello`: it asks the server to route a pairing code request
 * to a phone number. Remember what it sent; the phone side runs when someone enters
 * the code on the phone (the control API).
 */
export function handleCompanionHello(peer: Peer, iq: BinaryNode, reg: BinaryNode): BinaryNode {
  const digits = toDigits(reg.attrs.jid ?? '');
  const wrapped = childBytes(reg, 'link_code_pairing_wrapped_companion_ephemeral_pub');
  const noiseKey = childBytes(reg, 'companion_server_auth_key_pub');
  if (!peer.registration || peer.state !== 'registering') return iqError(iq, 400, 'bad-request');
  if (!digits || wrapped?.length !== 80 || noiseKey?.length !== 32) return iqError(iq, 400, 'bad-request');
  const ref = newRef();
  peer.registration.linkCode = { digits, ref, wrappedCompanionEphemeral: wrapped, companionNoiseKey: noiseKey };
  peer.log.debug({ digits }, 'client asked for a pairing code');
  return iqResult(iq, [
    {
      tag: 'link_code_companion_reg',
      attrs: {},
      content: [{ tag: 'link_code_pairing_ref', attrs: {}, content: Buffer.from(ref) }],
    },
  ]);
}

/**
 * A phone enters a pairing code; only a client that asked for a code for that phone's
 * number takes it. Like a real phone it cannot tell a wrong code up front: it unwraps
 * the companion's ephemeral key with the code, sends its own wrapped with the same
 * code, and only the companion's finish (AES-GCM over the key bundle) shows whether
 * both sides used the same code.
 */
export async function enterPairingCode(world: World, phone: Phone, input: string): Promise<LinkedDevice> {
  const code = input.trim().toUpperCase();
  if (!CODE_PATTERN.test(code)) throw new ControlError(400, 'a pairing code is 8 characters like "ABCD1234"');
  if (phone.banned) throw new ControlError(409, `the account ${phone.e164} is banned`);
  const waiting = [...world.peers].filter(p => p.isOpen && p.registration?.linkCode && !p.registration.pairing);
  if (waiting.length === 0) throw new ControlError(409, 'no client is waiting with a pairing code');
  const peer = waiting.filter(p => p.registration?.linkCode?.digits === phone.digits).at(-1);
  if (!peer?.registration?.linkCode || !peer.clientStatic) {
    const asked = waiting.map(p => toE164(p.registration?.linkCode?.digits ?? '')).join(', ');
    throw new ControlError(409, `the waiting client asked for a code for ${asked}, not for ${phone.e164}`);
  }
  const registration = peer.registration;
  const request = registration.linkCode!;
  if (!request.companionNoiseKey.equals(peer.clientStatic)) {
    throw new ControlError(409, 'the pairing request does not belong to this connection');
  }
  registration.pairing = true;
  let phase: 'exchange' | 'done' = 'exchange';
  try {
    const wrapped = request.wrappedCompanionEphemeral;
    const unwrapKey = await derivePairingCodeKey(code, wrapped.subarray(0, 32));
    const companionEphemeral = aesDecryptCTR(wrapped.subarray(48, 80), unwrapKey, wrapped.subarray(32, 48));
    const primaryEphemeral = generateKeyPair();
    const salt = randomBytes(32);
    const iv = randomBytes(16);
    const wrapKey = await derivePairingCodeKey(code, salt);
    const wrappedPrimary = Buffer.concat([salt, iv, aesEncryptCTR(primaryEphemeral.public, wrapKey, iv)]);

    const finished = peer.expectIq(
      n => n.tag === 'iq' && child(n, 'link_code_companion_reg')?.attrs.stage === 'companion_finish',
      FINISH_TIMEOUT_MS,
    );
    peer.send({
      tag: 'notification',
      attrs: { from: SERVER_JID, type: 'link_code_companion_reg', id: randomBytes(8).toString('hex'), t: unixNow() },
      content: [
        {
          tag: 'link_code_companion_reg',
          attrs: {},
          content: [
            { tag: 'link_code_pairing_ref', attrs: {}, content: Buffer.from(request.ref) },
            { tag: 'primary_identity_pub', attrs: {}, content: phone.account.public },
            { tag: 'link_code_pairing_wrapped_primary_ephemeral_pub', attrs: {}, content: wrappedPrimary },
          ],
        },
      ],
    });
    const finish = child(
      await finished.catch((err: Error) => {
        throw new ControlError(502, `the client did not finish pairing: ${err.message}`);
      }),
      'link_code_companion_reg',
    );
    const bundle = childBytes(finish, 'link_code_pairing_wrapped_key_bundle');
    const companionIdentity = childBytes(finish, 'companion_identity_public');
    if (!bundle || bundle.length < 32 + 12 + 16 || !companionIdentity?.equals(registration.identityKey)) {
      throw new ControlError(502, 'the client sent a malformed companion_finish');
    }
    const companionShared = Curve.sharedKey(primaryEphemeral.private, companionEphemeral);
    const bundleKey = hkdf(companionShared, 32, {
      salt: bundle.subarray(0, 32),
      info: 'link_code_pairing_key_bundle_encryption_key',
    });
    let keyBundle: Buffer;
    try {
      keyBundle = aesDecryptGCM(bundle.subarray(44), bundleKey, bundle.subarray(32, 44), Buffer.alloc(0));
    } catch {
      throw new ControlError(400, 'wrong pairing code');
    }
    if (
      keyBundle.length !== 96 ||
      !keyBundle.subarray(0, 32).equals(companionIdentity) ||
      !keyBundle.subarray(32, 64).equals(phone.account.public)
    ) {
      throw new ControlError(502, 'the companion key bundle does not name the expected keys');
    }
    const identityShared = Curve.sharedKey(phone.account.private, companionIdentity);
    const advSecret = Buffer.from(
      hkdf(Buffer.concat([companionShared, identityShared, keyBundle.subarray(64)]), 32, { info: 'adv_secret' }),
    );
    phase = 'done';
    registration.pairing = false;
    return await pairDevice(phone, peer, advSecret);
  } finally {
    if (phase === 'exchange') registration.pairing = false;
  }
}
