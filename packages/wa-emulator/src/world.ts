import type { BinaryNode } from 'baileys';
import type { Logger } from 'pino';
import { lidJid, lidUserFor, pnJid, toE164 } from './jid.js';
import type { KeyPair } from './keys.js';
import { InboundLog, MessageLog } from './message-log.js';
import { RetryDesk } from './retries.js';
import type { ContactDirectory } from './signal-contacts.js';

/** A companion device the phone has linked (what "Linked devices" lists on a phone). */
export interface LinkedDevice {
  id: number;
  keyIndex: number;
  jid: string;
  lid: string;
  noiseKey: Buffer;
  identityKey: Buffer;
  registrationId: number;
  signedPreKey: { keyId: number; public: Buffer; signature: Buffer };
  /** One-time pre-keys the device uploaded, by id; the server hands each out once. */
  preKeys: Map<number, Buffer>;
  linkedAt: Date;
  /** Stanzas for the device that arrived while it was offline. */
  pending: BinaryNode[];
  /** Whether the phone already pushed its initial history sync to this device. */
  historyPushed: boolean;
}

/** What a fresh (unpaired) client told us about itself, plus pairing progress. */
export interface Registration {
  refs: string[];
  identityKey: Buffer;
  registrationId: number;
  signedPreKey: { keyId: number; public: Buffer; signature: Buffer };
  /** Set once the client asked for a pairing code (companion_hello). */
  linkCode: LinkCodeRequest | null;
  /** True while pair-success is in flight, so a second scan is refused. */
  pairing: boolean;
}

export interface LinkCodeRequest {
  digits: string;
  ref: string;
  wrappedCompanionEphemeral: Buffer;
  companionNoiseKey: Buffer;
}

/** The parts of a client connection the rest of the emulator talks to. */
export interface Peer {
  readonly id: number;
  readonly log: Logger;
  readonly clientStatic: Buffer | null;
  readonly isOpen: boolean;
  state: 'handshake' | 'registering' | 'device' | 'closing';
  /** The account the client's credentials name; null while it has none (a fresh client). */
  phone: Phone | null;
  device: LinkedDevice | null;
  registration: Registration | null;
  send(node: BinaryNode): void;
  /** Sends a server-initiated iq and resolves with the client's answer. */
  request(node: BinaryNode, timeoutMs?: number): Promise<BinaryNode>;
  /** Resolves with the next iq from the client that matches. */
  expectIq(match: (node: BinaryNode) => boolean, timeoutMs: number): Promise<BinaryNode>;
  failure(reason: number): void;
  streamError(code: number | 'conflict'): void;
  terminate(): void;
  /** Goes silent without closing, like a network that silently drops everything. */
  stall(): void;
}

/** What the server does the same way for every client, whichever account it belongs to. */
export interface ServerConfig {
  /** How many refs a fresh client gets; it has no account yet, so this can't be per phone. */
  qrRefs: number;
  /** Whether a phone pushes an (empty) initial history sync after a device's first login. */
  pushHistory: boolean;
}

/** How one account's world behaves; `PUT /control/config` changes it per phone. */
export interface AccountConfig {
  /** The account's display name; clients learn it from the phone's messages. */
  pushName: string;
  deliveredDelayMs: number;
  readDelayMs: number;
  /** Delay before the server acks a message, standing in for network latency. */
  ackDelayMs: number;
  ackError: number | null;
}

/**
 * One emulated phone: a WhatsApp account of its own, with its linked devices, its ban,
 * its settings, and what its devices sent and were sent.
 */
export class Phone {
  readonly e164: string;
  readonly lidUser: string;
  banned = false;
  /** Logins whose credentials named this account (the server-wide count also has fresh clients). */
  logins = 0;
  readonly devices = new Map<number, LinkedDevice>();
  /** What this account's devices sent, decrypted. */
  readonly messages = new MessageLog();
  /** What emulated contacts (and other emulated phones) sent this account. */
  readonly inbound = new InboundLog();
  /** Which contact devices refuse this account's messages, and the retries they asked for. */
  readonly retries = new RetryDesk();
  private nextDeviceId = 1;
  private nextKeyIndex = 1;

  constructor(
    readonly digits: string,
    /** The phone's account key: signs device identities, and is its Signal identity. */
    readonly account: KeyPair,
    readonly config: AccountConfig,
  ) {
    this.e164 = toE164(digits);
    this.lidUser = lidUserFor(digits);
  }

  allocateDevice(): { id: number; keyIndex: number; jid: string; lid: string } {
    const id = this.nextDeviceId++;
    return { id, keyIndex: this.nextKeyIndex++, jid: pnJid(this.digits, id), lid: lidJid(this.lidUser, id) };
  }

  unlinkAll(): LinkedDevice[] {
    const removed = [...this.devices.values()];
    this.devices.clear();
    return removed;
  }
}

/**
 * Everything the emulated WhatsApp remembers, in memory, for the life of the process:
 * the server (its sockets, up or down), the world's numbers and contacts, and the
 * emulated phones, the first of which is the default for every per-phone control call.
 */
export class World {
  down = false;
  loginAttempts = 0;
  readonly peers = new Set<Peer>();
  private readonly phones = new Map<string, Phone>();
  private onWhatsApp: Set<string> | null = null;
  private readonly lidToDigits = new Map<string, string>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    readonly config: ServerConfig,
    /** What a phone added at run time starts with. */
    private readonly accountDefaults: AccountConfig,
    readonly contacts: ContactDirectory,
    readonly log: Logger,
  ) {}

  /** Adds an emulated phone; throws if the number already is one. */
  addPhone(digits: string, config: Partial<AccountConfig> = {}): Phone {
    if (this.phones.has(digits)) throw new Error(`${toE164(digits)} is already an emulated phone`);
    // If the world already knew the number as a contact, the phone keeps that identity,
    // so clients that talked to it before still can.
    const phone = new Phone(digits, this.contacts.adoptAsPhone(digits), { ...this.accountDefaults, ...config });
    this.lidOf(digits);
    this.phones.set(digits, phone);
    return phone;
  }

  /** The emulated phone with that number, if it is one. */
  phone(digits: string): Phone | undefined {
    return this.phones.get(digits);
  }

  /** The phone every per-phone control call uses when it names none: the first one. */
  get firstPhone(): Phone {
    const first = this.phones.values().next();
    if (first.done) throw new Error('the emulator has no phone');
    return first.value;
  }

  allPhones(): Phone[] {
    return [...this.phones.values()];
  }

  lidOf(digits: string): string {
    const lid = lidUserFor(digits);
    this.lidToDigits.set(lid, digits);
    return lid;
  }

  /** Maps a jid's user part (a phone number or a LID we handed out) to digits. */
  digitsOf(user: string, isLid: boolean): string | null {
    return isLid ? (this.lidToDigits.get(user) ?? null) : user;
  }

  /** Every emulated phone is on WhatsApp; other numbers as `PUT /control/numbers` says. */
  isOnWhatsApp(digits: string): boolean {
    return this.phones.has(digits) || this.onWhatsApp === null || this.onWhatsApp.has(digits);
  }

  setOnWhatsApp(digits: string[] | null): void {
    this.onWhatsApp = digits ? new Set(digits) : null;
  }

  /** Live, logged-in connections of one account, or of one of its linked devices. */
  peersOf(phone: Phone, deviceId?: number): Peer[] {
    return [...this.peers].filter(
      p => p.state === 'device' && p.phone === phone && (deviceId === undefined || p.device?.id === deviceId) && p.isOpen,
    );
  }

  /** Sends to a device's live connections, or keeps it for the device's next login. */
  deliver(phone: Phone, deviceId: number, node: BinaryNode): void {
    const device = phone.devices.get(deviceId);
    if (!device) return;
    const live = this.peersOf(phone, deviceId);
    if (live.length === 0) {
      device.pending.push(node);
      return;
    }
    for (const peer of live) peer.send(node);
  }

  /** A timer that `close()` cancels, so nothing fires after the emulator stops. */
  later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      try {
        fn();
      } catch (err) {
        this.log.error({ err }, 'timer callback failed');
      }
    }, ms);
    this.timers.add(timer);
  }

  cancelTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
