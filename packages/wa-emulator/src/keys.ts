import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { Curve, proto } from 'baileys';
import * as curve from 'libsignal/src/curve.js';

/** A Curve25519 key pair with 32-byte keys, the shape Baileys' `Curve` uses. */
export interface KeyPair {
  public: Buffer;
  private: Buffer;
}

const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** Derives a key pair from a 32-byte seed, so a fixed seed gives the same keys every run. */
export function keyPairFromSeed(seed: Uint8Array): KeyPair {
  if (seed.length !== 32) throw new Error('seed must be 32 bytes');
  // Clamp up front so every Curve25519 implementation (node, curve25519-js) agrees.
  const priv = Buffer.from(seed);
  priv[0] = priv[0]! & 248;
  priv[31] = (priv[31]! & 127) | 64;
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_X25519_PREFIX, priv]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return { private: priv, public: Buffer.from(spki.subarray(spki.length - 32)) };
}

export function generateKeyPair(): KeyPair {
  const kp = Curve.generateKeyPair();
  return { public: Buffer.from(kp.public), private: Buffer.from(kp.private) };
}

export function sign(privateKey: Uint8Array, message: Uint8Array): Buffer {
  return Buffer.from(Curve.sign(Buffer.from(privateKey), Buffer.from(message)));
}

/**
 * A real XEdDSA verification. Baileys rc14's `Curve.verify` swallows libsignal 6's
 * `false` return and always answers true, so it cannot be used to check anything.
 */
export function verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return curve.verifySignature(withKeyType(publicKey), Buffer.from(message), Buffer.from(signature)) === true;
  } catch {
    return false;
  }
}

export function withKeyType(publicKey: Uint8Array): Buffer {
  return publicKey.length === 33 ? Buffer.from(publicKey) : Buffer.concat([Buffer.from([5]), publicKey]);
}

const ROOT_SEED = createHash('sha256').update('wasla wa-emulator root certificate key v1').digest();
const ROOT_KEY_PAIR = keyPairFromSeed(ROOT_SEED);

/** The default root key pair of the emulator's certificate chain. */
export function rootKeyPair(): KeyPair {
  return { public: Buffer.from(ROOT_KEY_PAIR.public), private: Buffer.from(ROOT_KEY_PAIR.private) };
}

/** Base64 of the default root public key; a client trusts the emulator by pinning it. */
export const EMULATOR_ROOT_PUBLIC_KEY_B64 = ROOT_KEY_PAIR.public.toString('base64');

const INTERMEDIATE_SERIAL = 1;
const LEAF_SERIAL = 2;

/**
 * Builds the `proto.CertChain` WhatsApp sends in its server hello: an intermediate
 * certificate signed by the root (issuerSerial 0, what clients check) and a leaf over
 * the server's noise static key, signed by the intermediate.
 */
export function buildCertChain(root: KeyPair, noiseStaticPublic: Uint8Array): Uint8Array {
  const intermediate = keyPairFromSeed(createHash('sha256').update(root.private).update('intermediate').digest());
  const now = Math.floor(Date.now() / 1000);
  const intermediateDetails = proto.CertChain.NoiseCertificate.Details.encode({
    serial: INTERMEDIATE_SERIAL,
    issuerSerial: 0,
    key: intermediate.public,
    notBefore: now - 86_400,
    notAfter: now + 365 * 86_400,
  }).finish();
  const leafDetails = proto.CertChain.NoiseCertificate.Details.encode({
    serial: LEAF_SERIAL,
    issuerSerial: INTERMEDIATE_SERIAL,
    key: noiseStaticPublic,
    notBefore: now - 86_400,
    notAfter: now + 30 * 86_400,
  }).finish();
  return proto.CertChain.encode({
    intermediate: { details: intermediateDetails, signature: sign(root.private, intermediateDetails) },
    leaf: { details: leafDetails, signature: sign(intermediate.private, leafDetails) },
  }).finish();
}
