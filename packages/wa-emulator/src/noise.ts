import { Curve, NOISE_MODE, aesDecryptGCM, aesEncryptGCM, hkdf, proto, sha256 } from 'baileys';
import { generateKeyPair, type KeyPair } from './keys.js';

const EMPTY = Buffer.alloc(0);

function ivFor(counter: number): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeUInt32BE(counter, 8);
  return iv;
}

/** The post-handshake cipher: one key and counter per direction, no associated data. */
export class NoiseTransport {
  private readCounter = 0;
  private writeCounter = 0;

  constructor(
    private readonly readKey: Buffer,
    private readonly writeKey: Buffer,
  ) {}

  encrypt(plaintext: Uint8Array): Buffer {
    return aesEncryptGCM(plaintext, this.writeKey, ivFor(this.writeCounter++), EMPTY);
  }

  decrypt(ciphertext: Uint8Array): Buffer {
    return aesDecryptGCM(ciphertext, this.readKey, ivFor(this.readCounter++), EMPTY);
  }
}

export interface HandshakeResult {
  /** The client's static noise key: Baileys' `creds.noiseKey.public`. */
  clientStatic: Buffer;
  payload: proto.ClientPayload;
  transport: NoiseTransport;
}

/**
 * The responder side of WhatsApp's Noise XX handshake. Mirrors the client in Baileys'
 * noise-handler step by step: a single running hash used as associated data, a salt
 * and key replaced on every DH mix, and one counter shared by both directions that
 * resets only when keys are mixed.
 */
export class NoiseServerHandshake {
  private hash: Buffer;
  private salt: Buffer;
  private key: Buffer;
  private counter = 0;
  private readonly ephemeral: KeyPair = generateKeyPair();
  private clientEphemeral: Buffer | null = null;

  constructor(
    private readonly staticKeys: KeyPair,
    private readonly certChain: Uint8Array,
    introHeader: Uint8Array,
  ) {
    const mode = Buffer.from(NOISE_MODE);
    this.hash = mode.length === 32 ? mode : sha256(mode);
    this.salt = this.hash;
    this.key = this.hash;
    this.authenticate(introHeader);
  }

  /** Consumes the client hello and returns the encoded server hello to send back. */
  serverHello(frame: Uint8Array): Buffer {
    const hello = proto.HandshakeMessage.decode(frame).clientHello;
    const clientEphemeral = hello?.ephemeral;
    if (!clientEphemeral || clientEphemeral.length !== 32) throw new Error('client hello without a valid ephemeral key');
    this.clientEphemeral = Buffer.from(clientEphemeral);
    this.authenticate(this.clientEphemeral);
    this.authenticate(this.ephemeral.public);
    this.mixIntoKey(Curve.sharedKey(this.ephemeral.private, this.clientEphemeral));
    const encStatic = this.encrypt(this.staticKeys.public);
    this.mixIntoKey(Curve.sharedKey(this.staticKeys.private, this.clientEphemeral));
    const encCert = this.encrypt(this.certChain);
    return Buffer.from(
      proto.HandshakeMessage.encode({
        serverHello: { ephemeral: this.ephemeral.public, static: encStatic, payload: encCert },
      }).finish(),
    );
  }

  /** Consumes the client finish: learns the client's static key and login payload. */
  clientFinish(frame: Uint8Array): HandshakeResult {
    if (!this.clientEphemeral) throw new Error('client finish before client hello');
    const finish = proto.HandshakeMessage.decode(frame).clientFinish;
    if (!finish?.static || !finish.payload) throw new Error('client finish without static key or payload');
    const clientStatic = this.decrypt(finish.static);
    if (clientStatic.length !== 32) throw new Error('client static key has the wrong length');
    this.mixIntoKey(Curve.sharedKey(this.ephemeral.private, clientStatic));
    const payload = proto.ClientPayload.decode(this.decrypt(finish.payload));
    const keys = Buffer.from(hkdf(EMPTY, 64, { salt: this.salt, info: '' }));
    // The client sends with the first half and reads with the second.
    const transport = new NoiseTransport(keys.subarray(0, 32), keys.subarray(32));
    return { clientStatic, payload, transport };
  }

  private authenticate(data: Uint8Array): void {
    this.hash = sha256(Buffer.concat([this.hash, data]));
  }

  private mixIntoKey(data: Uint8Array): void {
    const out = Buffer.from(hkdf(Buffer.from(data), 64, { salt: this.salt, info: '' }));
    this.salt = out.subarray(0, 32);
    this.key = out.subarray(32);
    this.counter = 0;
  }

  private encrypt(plaintext: Uint8Array): Buffer {
    const result = aesEncryptGCM(plaintext, this.key, ivFor(this.counter++), this.hash);
    this.authenticate(result);
    return result;
  }

  private decrypt(ciphertext: Uint8Array): Buffer {
    const result = aesDecryptGCM(ciphertext, this.key, ivFor(this.counter++), this.hash);
    this.authenticate(ciphertext);
    return result;
  }
}
