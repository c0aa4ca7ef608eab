import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Curve, proto } from 'baileys';
import { EMULATOR_ROOT_PUBLIC_KEY_B64, startEmulator } from './index.js';
import { buildCertChain, generateKeyPair, keyPairFromSeed, rootKeyPair, verify } from './keys.js';
import { control } from './testing/harness.js';

describe('certificate chain', () => {
  it('is signed root → intermediate (issuerSerial 0) → leaf over the noise key', () => {
    const root = rootKeyPair();
    const noise = generateKeyPair();
    const chain = proto.CertChain.decode(buildCertChain(root, noise.public));
    const intermediate = proto.CertChain.NoiseCertificate.Details.decode(chain.intermediate!.details!);
    const leaf = proto.CertChain.NoiseCertificate.Details.decode(chain.leaf!.details!);
    assert.equal(intermediate.issuerSerial, 0);
    assert.equal(leaf.issuerSerial, intermediate.serial);
    assert.deepEqual(Buffer.from(leaf.key!), noise.public);
    assert.ok(verify(root.public, chain.intermediate!.details!, chain.intermediate!.signature!));
    assert.ok(verify(intermediate.key!, chain.leaf!.details!, chain.leaf!.signature!));
  });

  it('fails a real verification when tampered with (Baileys rc14 would not notice)', () => {
    const root = rootKeyPair();
    const chain = proto.CertChain.decode(buildCertChain(root, generateKeyPair().public));
    const forged = Buffer.from(chain.intermediate!.signature!);
    forged[5] = forged[5]! ^ 0xff;
    assert.equal(verify(root.public, chain.intermediate!.details!, forged), false);
    assert.equal(verify(generateKeyPair().public, chain.intermediate!.details!, chain.intermediate!.signature!), false);
    // The reason the emulator verifies with libsignal directly: rc14's check is a no-op.
    assert.equal(Curve.verify(root.public, chain.intermediate!.details!, forged), true);
  });

  it('uses a deterministic root key that the emulator and its control API report', async () => {
    const seed = Buffer.alloc(32, 7);
    assert.deepEqual(keyPairFromSeed(seed), keyPairFromSeed(seed));
    assert.equal(rootKeyPair().public.toString('base64'), EMULATOR_ROOT_PUBLIC_KEY_B64);
    assert.equal(Buffer.from(EMULATOR_ROOT_PUBLIC_KEY_B64, 'base64').length, 32);
    const emulator = await startEmulator({ phone: '+966501234567' });
    try {
      assert.equal(Buffer.from(emulator.rootPublicKey).toString('base64'), EMULATOR_ROOT_PUBLIC_KEY_B64);
      const cert = await control<{ rootPublicKey: string }>(emulator, 'GET', '/control/cert');
      assert.deepEqual(cert.body, { rootPublicKey: EMULATOR_ROOT_PUBLIC_KEY_B64 });
    } finally {
      await emulator.close();
    }
  });

  it('derives X25519 keys from a seed that agree with libsignal', () => {
    const a = keyPairFromSeed(Buffer.alloc(32, 1));
    const b = generateKeyPair();
    assert.deepEqual(Curve.sharedKey(a.private, b.public), Curve.sharedKey(b.private, a.public));
  });
});
