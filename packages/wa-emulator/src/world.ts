import type { BinaryNode } from 'baileys';
import type { Logger } from 'pino';
import { lidJid, lidUserFor, pnJid, toE164 } from './jid.js';
import type { KeyPair } from './keys.js';
import type { InboundLog, MessageLog } from './message-log.js';
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

export interface RuntimeConfig {
  qrRefs: number;
  /** Whether the phone pushes an (empty) initial history sync after a device's first login. */
  pushHistory: boolean;
  /** The account's display name; clients learn it from the phone's messages. */
  pushName: string;
  deliveredDelayMs: number;
  readDelayMs: number;
  /** Delay before the server acks a message, standing in for network latency. */
  ackDelayMs: number;
  ackError: number | null;
}

/** Everything the emulated WhatsApp remembers, in memory, for the life of the process. */
export class World {
  readonly e164: string;
  readonly lidUser: string;
  down = false;
  banned = false;
  loginAttempts = 0;
  readonly devices = new Map<number, LinkedDevice>();
  readonly peers = new Set<Peer>();
  private onWhatsApp: Set<string> | null = null;
  private nextDeviceId = 1;
  private nextKeyIndex = 1;
  private readonly lidToDigits = new Map<string, string>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    readonly digits: string,
    /** The phone's account key: signs device identities, and is its Signal identity. */
    readonly account: KeyPair,
    readonly config: RuntimeConfig,
    readonly contacts: ContactDirectory,
    readonly messages: MessageLog,
    readonly inbound: InboundLog,
    readonly log: Logger,
  ) {
    this.e164 = toE164(digits);
    this.lidUser = this.lidOf(digits);
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

  isOnWhatsApp(digits: string): boolean {
    return digits === this.digits || this.onWhatsApp === null || this.onWhatsApp.has(digits);
  }

  setOnWhatsApp(digits: string[] | null): void {
    this.onWhatsApp = digits ? new Set(digits) : null;
  }

  allocateDevice(): { id: number; keyIndex: number; jid: string; lid: string } {
    const id = this.nextDeviceId++;
    return { id, keyIndex: this.nextKeyIndex++, jid: pnJid(this.digits, id), lid: lidJid(this.lidUser, id) };
  }

  /** Live, logged-in connections of one linked device. */
  peersOf(deviceId: number): Peer[] {
    return [...this.peers].filter(p => p.state === 'device' && p.device?.id === deviceId && p.isOpen);
  }

  /** Sends to a device's live connections, or keeps it for the device's next login. */
  deliver(deviceId: number, node: BinaryNode): void {
    const device = this.devices.get(deviceId);
    if (!device) return;
    const live = this.peersOf(deviceId);
    if (live.length === 0) {
      device.pending.push(node);
      return;
    }
    for (const peer of live) peer.send(node);
  }

  unlinkAll(): LinkedDevice[] {
    const removed = [...this.devices.values()];
    this.devices.clear();
    return removed;
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
