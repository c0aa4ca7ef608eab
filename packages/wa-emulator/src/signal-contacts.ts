import { randomInt } from 'node:crypto';
import { encodeBigEndian, type BinaryNode } from 'baileys';
import { ProtocolAddress, SessionBuilder, SessionCipher, type SessionRecord, type SignalStorage } from 'libsignal';
import * as curve from 'libsignal/src/curve.js';
import { generateKeyPair, sign, withKeyType, type KeyPair } from './keys.js';

/** libsignal's key pair shape: the public key carries the 0x05 type byte (33 bytes). */
interface SignalKeyPair {
  pubKey: Buffer;
  privKey: Buffer;
}

function newSignalKeyPair(): SignalKeyPair {
  const kp = curve.generateKeyPair();
  return { pubKey: Buffer.from(kp.pubKey), privKey: Buffer.from(kp.privKey) };
}

export type SignalMessageType = 'pkmsg' | 'msg';

/** The fields of a pre-key bundle, as libsignal's SessionBuilder wants them. */
export interface PreKeyBundle {
  registrationId: number;
  identityKey: Buffer;
  signedPreKey: { keyId: number; publicKey: Buffer; signature: Buffer };
  preKey?: { keyId: number; publicKey: Buffer };
}

/**
 * One emulated WhatsApp user's device 0 with real Signal keys: it hands out pre-key
 * bundles and keeps the sessions clients build with them, so it can decrypt what they
 * send (and, later, encrypt messages of its own).
 */
export class SignalContact implements SignalStorage {
  readonly registrationId = randomInt(1, 16_380);
  readonly identity: SignalKeyPair;
  readonly signedPreKey: { keyId: number; keyPair: SignalKeyPair; signature: Buffer };
  private readonly preKeys = new Map<number, SignalKeyPair>();
  private nextPreKeyId = 1;
  private readonly sessions = new Map<string, SessionRecord>();
  private sending: Promise<unknown> = Promise.resolve();

  constructor(
    readonly digits: string,
    identity?: KeyPair,
  ) {
    this.identity = identity
      ? { pubKey: withKeyType(identity.public), privKey: Buffer.from(identity.private) }
      : newSignalKeyPair();
    const keyPair = newSignalKeyPair();
    this.signedPreKey = { keyId: 1, keyPair, signature: sign(this.identity.privKey, keyPair.pubKey) };
  }

  /** A `user` node of an `encrypt`/`key` answer, with a fresh one-time pre-key. */
  bundleNode(jid: string): BinaryNode {
    return bundleNode(jid, this.freshBundle());
  }

  /** This device's keys with a new one-time pre-key, as a bundle or a retry receipt carries them. */
  freshBundle(): PreKeyBundle {
    const keyId = this.nextPreKeyId++;
    const preKey = newSignalKeyPair();
    this.preKeys.set(keyId, preKey);
    return {
      registrationId: this.registrationId,
      identityKey: this.identity.pubKey,
      signedPreKey: {
        keyId: this.signedPreKey.keyId,
        publicKey: this.signedPreKey.keyPair.pubKey,
        signature: this.signedPreKey.signature,
      },
      preKey: { keyId, publicKey: preKey.pubKey },
    };
  }

  async decrypt(sender: ProtocolAddress, type: SignalMessageType, ciphertext: Buffer): Promise<Buffer> {
    const cipher = new SessionCipher(this, sender);
    return type === 'pkmsg' ? cipher.decryptPreKeyWhisperMessage(ciphertext) : cipher.decryptWhisperMessage(ciphertext);
  }

  /** Encrypts for a remote device, first building a session from its bundle if needed. */
  encrypt(
    remote: ProtocolAddress,
    bundle: () => PreKeyBundle | null,
    plaintext: Buffer,
  ): Promise<{ type: SignalMessageType; ciphertext: Buffer }> {
    // One at a time, so two sends cannot both start a fresh session.
    const result = this.sending.then(() => this.encryptNow(remote, bundle, plaintext));
    this.sending = result.catch(() => undefined);
    return result;
  }

  private async encryptNow(
    remote: ProtocolAddress,
    bundle: () => PreKeyBundle | null,
    plaintext: Buffer,
  ): Promise<{ type: SignalMessageType; ciphertext: Buffer }> {
    if (!this.sessions.get(remote.toString())?.haveOpenSession()) {
      const keys = bundle();
      if (!keys) throw new Error(`no pre-key bundle for ${remote.toString()}`);
      // libsignal accepts a bundle without a one-time pre-key; its typings don't say so.
      await new SessionBuilder(this, remote).initOutgoing(keys as Parameters<SessionBuilder['initOutgoing']>[0]);
    }
    const { type, body } = await new SessionCipher(this, remote).encrypt(plaintext);
    return { type: type === 3 ? 'pkmsg' : 'msg', ciphertext: Buffer.from(body, 'binary') };
  }

  // SignalStorage: everything stays in memory with this contact.
  async loadSession(id: string): Promise<SessionRecord | undefined> {
    return this.sessions.get(id);
  }
  async storeSession(id: string, session: SessionRecord): Promise<void> {
    this.sessions.set(id, session);
  }
  isTrustedIdentity(): boolean {
    return true;
  }
  async loadPreKey(id: number | string): Promise<SignalKeyPair | undefined> {
    return this.preKeys.get(Number(id));
  }
  removePreKey(id: number): void {
    this.preKeys.delete(Number(id));
  }
  loadSignedPreKey(): SignalKeyPair {
    return this.signedPreKey.keyPair;
  }
  getOurRegistrationId(): number {
    return this.registrationId;
  }
  getOurIdentity(): SignalKeyPair {
    return this.identity;
  }
}

/** Encodes a pre-key bundle the way WhatsApp's `encrypt`/`key` answer carries it. */
export function bundleNode(jid: string, b: PreKeyBundle): BinaryNode {
  const { registration, type, identity, skey, key } = bundleParts(b);
  return { tag: 'user', attrs: { jid }, content: [registration, type, identity, skey, ...(key ? [key] : [])] };
}

/** A bundle's fields as WhatsApp's nodes; a retry receipt's `keys` holds the same ones. */
export function bundleParts(b: PreKeyBundle): {
  registration: BinaryNode;
  type: BinaryNode;
  identity: BinaryNode;
  skey: BinaryNode;
  key: BinaryNode | null;
} {
  return {
    registration: { tag: 'registration', attrs: {}, content: Buffer.from(encodeBigEndian(b.registrationId, 4)) },
    type: { tag: 'type', attrs: {}, content: Buffer.from([5]) },
    identity: { tag: 'identity', attrs: {}, content: strip(b.identityKey) },
    skey: {
      tag: 'skey',
      attrs: {},
      content: [
        { tag: 'id', attrs: {}, content: Buffer.from(encodeBigEndian(b.signedPreKey.keyId, 3)) },
        { tag: 'value', attrs: {}, content: strip(b.signedPreKey.publicKey) },
        { tag: 'signature', attrs: {}, content: b.signedPreKey.signature },
      ],
    },
    key: b.preKey
      ? {
          tag: 'key',
          attrs: {},
          content: [
            { tag: 'id', attrs: {}, content: Buffer.from(encodeBigEndian(b.preKey.keyId, 3)) },
            { tag: 'value', attrs: {}, content: strip(b.preKey.publicKey) },
          ],
        }
      : null,
  };
}

function strip(publicKey: Buffer): Buffer {
  return publicKey.length === 33 ? publicKey.subarray(1) : publicKey;
}

/**
 * The emulated world's users, created on first use. A user is its phone (device 0) plus
 * any companion devices a test added (say, the contact's WhatsApp Web), each with Signal
 * keys of its own; an emulated phone's device 0 has the account key as its identity.
 */
export class ContactDirectory {
  private readonly contacts = new Map<string, SignalContact>();
  private readonly companions = new Map<string, Map<number, SignalContact>>();

  get(digits: string): SignalContact {
    let contact = this.contacts.get(digits);
    if (!contact) {
      contact = new SignalContact(digits);
      this.contacts.set(digits, contact);
    }
    return contact;
  }

  /**
   * The account key of a number that becomes an emulated phone: the identity the world
   * already gave that number, if it talked as a contact before, or a new one.
   */
  adoptAsPhone(digits: string): KeyPair {
    let contact = this.contacts.get(digits);
    if (!contact) {
      contact = new SignalContact(digits, generateKeyPair());
      this.contacts.set(digits, contact);
    }
    return { public: strip(contact.identity.pubKey), private: Buffer.from(contact.identity.privKey) };
  }

  /** One device of a user: the phone for 0, a companion only once added. */
  device(digits: string, device: number): SignalContact | undefined {
    return device === 0 ? this.get(digits) : this.companions.get(digits)?.get(device);
  }

  /** Gives a user (never an emulated phone's own account) a companion device, once. */
  addCompanion(digits: string, device: number): SignalContact {
    let devices = this.companions.get(digits);
    if (!devices) {
      devices = new Map();
      this.companions.set(digits, devices);
    }
    let contact = devices.get(device);
    if (!contact) {
      contact = new SignalContact(digits);
      devices.set(device, contact);
    }
    return contact;
  }

  /** A user's companion device ids, in the order they were added. */
  companionIds(digits: string): number[] {
    return [...(this.companions.get(digits)?.keys() ?? [])];
  }
}

export { ProtocolAddress };
