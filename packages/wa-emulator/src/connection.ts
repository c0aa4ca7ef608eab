import { NOISE_WA_HEADER, decodeBinaryNode, encodeBinaryNode, type BinaryNode } from 'baileys';
import type { Logger } from 'pino';
import type { RawData, WebSocket } from 'ws';
import { FrameReader, encodeFrame } from './frames.js';
import type { KeyPair } from './keys.js';
import { NoiseServerHandshake, type HandshakeResult, type NoiseTransport } from './noise.js';
import type { LinkedDevice, Peer, Phone, Registration, World } from './world.js';

/** Real WhatsApp frames stay far below this; anything bigger is abuse or garbage. */
const MAX_CLIENT_FRAME = 8 * 1024 * 1024;
/** Grace period between a goodbye stanza and closing the socket, so it gets read first. */
const CLOSE_GRACE_MS = 300;

export interface ConnectionDeps {
  world: World;
  staticKeys: KeyPair;
  certChain: Uint8Array;
  logger: Logger;
  onLogin(peer: ClientConnection, result: HandshakeResult): void;
  onStanza(peer: ClientConnection, node: BinaryNode): Promise<void>;
}

interface Waiter {
  resolve(node: BinaryNode): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

interface IqWatcher extends Waiter {
  match(node: BinaryNode): boolean;
}

let nextPeerId = 1;

/**
 * One client WebSocket: runs the Noise handshake, then decrypts, decodes and hands
 * each stanza on, strictly in arrival order. Any protocol error closes this client
 * only; nothing a client sends can take the process down.
 */
export class ClientConnection implements Peer {
  readonly id = nextPeerId++;
  readonly log: Logger;
  state: Peer['state'] = 'handshake';
  phone: Phone | null = null;
  device: LinkedDevice | null = null;
  registration: Registration | null = null;
  clientStatic: Buffer | null = null;
  private readonly handshake: NoiseServerHandshake;
  private transport: NoiseTransport | null = null;
  private sentHello = false;
  private readonly reader = new FrameReader(MAX_CLIENT_FRAME);
  private queue: Promise<void> = Promise.resolve();
  private readonly waiters = new Map<string, Waiter>();
  private readonly watchers = new Set<IqWatcher>();
  private closeTimer: NodeJS.Timeout | null = null;
  private stalled = false;
  private tag = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly deps: ConnectionDeps,
  ) {
    this.log = deps.logger.child({ conn: this.id });
    this.handshake = new NoiseServerHandshake(deps.staticKeys, deps.certChain, NOISE_WA_HEADER);
    ws.on('message', (data: RawData, isBinary: boolean) => {
      this.queue = this.queue
        .then(() => (isBinary ? this.onData(toBuffer(data)) : Promise.reject(new Error('text frame'))))
        .catch((err: unknown) => this.fatal(err));
    });
    ws.on('close', () => this.onClose());
    ws.on('error', err => this.log.debug({ err }, 'socket error'));
    this.log.debug('client connected');
  }

  get isOpen(): boolean {
    return this.ws.readyState === this.ws.OPEN && this.state !== 'closing';
  }

  send(node: BinaryNode): void {
    if (!this.transport || this.stalled || this.ws.readyState !== this.ws.OPEN) return;
    this.log.debug({ tag: node.tag, attrs: node.attrs }, 'send stanza');
    this.ws.send(encodeFrame(this.transport.encrypt(encodeBinaryNode(node))));
  }

  request(node: BinaryNode, timeoutMs = 20_000): Promise<BinaryNode> {
    const id = node.attrs.id ?? `emu.${this.id}.${++this.tag}`;
    node.attrs.id = id;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        reject(new Error(`no answer to iq ${id}`));
      }, timeoutMs);
      this.waiters.set(id, { resolve, reject, timer });
      this.send(node);
    });
  }

  expectIq(match: (node: BinaryNode) => boolean, timeoutMs: number): Promise<BinaryNode> {
    return new Promise((resolve, reject) => {
      const watcher: IqWatcher = {
        match,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.watchers.delete(watcher);
          reject(new Error('timed out waiting for the client'));
        }, timeoutMs),
      };
      this.watchers.add(watcher);
    });
  }

  failure(reason: number): void {
    this.goodbye({ tag: 'failure', attrs: { reason: String(reason), location: 'emulator' } });
  }

  streamError(code: number | 'conflict'): void {
    this.goodbye(
      code === 'conflict'
        ? { tag: 'stream:error', attrs: {}, content: [{ tag: 'conflict', attrs: { type: 'replaced' } }] }
        : { tag: 'stream:error', attrs: { code: String(code) } },
    );
  }

  terminate(): void {
    this.state = 'closing';
    this.ws.terminate();
  }

  stall(): void {
    this.stalled = true;
  }

  /** The next fresh id for a server-initiated stanza. */
  nextId(): string {
    return `emu.${this.id}.${++this.tag}`;
  }

  private goodbye(node: BinaryNode): void {
    if (this.state === 'closing') return;
    this.send(node);
    this.state = 'closing';
    this.closeTimer = setTimeout(() => this.ws.close(), CLOSE_GRACE_MS);
  }

  private async onData(data: Buffer): Promise<void> {
    if (this.stalled) return;
    for (const frame of this.reader.push(data)) {
      // A goodbye may have been sent while earlier frames were being handled.
      if (this.isClosing()) return;
      await this.onFrame(frame);
    }
  }

  private async onFrame(frame: Buffer): Promise<void> {
    if (!this.transport) {
      if (!this.sentHello) {
        this.ws.send(encodeFrame(this.handshake.serverHello(frame)));
        this.sentHello = true;
        return;
      }
      const result = this.handshake.clientFinish(frame);
      this.transport = result.transport;
      this.clientStatic = result.clientStatic;
      this.deps.onLogin(this, result);
      return;
    }
    const node = await decodeBinaryNode(this.transport.decrypt(frame));
    this.log.debug({ tag: node.tag, attrs: node.attrs }, 'recv stanza');
    const { type, id } = node.attrs;
    if (node.tag === 'iq' && (type === 'result' || type === 'error') && id && this.waiters.has(id)) {
      const waiter = this.waiters.get(id)!;
      this.waiters.delete(id);
      clearTimeout(waiter.timer);
      waiter.resolve(node);
      return;
    }
    for (const watcher of this.watchers) {
      if (!watcher.match(node)) continue;
      this.watchers.delete(watcher);
      clearTimeout(watcher.timer);
      watcher.resolve(node);
    }
    await this.deps.onStanza(this, node);
  }

  private isClosing(): boolean {
    return this.state === 'closing';
  }

  private fatal(err: unknown): void {
    if (this.state === 'closing') return;
    this.log.debug({ err }, 'closing client after a protocol error');
    this.terminate();
  }

  private onClose(): void {
    this.state = 'closing';
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.deps.world.peers.delete(this);
    const closed = new Error('connection closed');
    for (const waiter of this.waiters.values()) {
      clearTimeout(waiter.timer);
      waiter.reject(closed);
    }
    this.waiters.clear();
    for (const watcher of this.watchers) {
      clearTimeout(watcher.timer);
      watcher.reject(closed);
    }
    this.watchers.clear();
    this.log.debug('client disconnected');
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
