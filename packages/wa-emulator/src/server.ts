import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import pino, { type Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { ClientConnection } from './connection.js';
import { makeControlApi } from './control.js';
import { toDigits } from './jid.js';
import { buildCertChain, generateKeyPair, rootKeyPair } from './keys.js';
import { handleLogin } from './login.js';
import { makeStanzaRouter } from './router.js';
import { ContactDirectory } from './signal-contacts.js';
import { World } from './world.js';

/** Options for {@link startEmulator}. */
export interface EmulatorOptions {
  /** Interface to listen on; default '127.0.0.1'. */
  host?: string;
  /** Port to listen on; default 0 (an ephemeral port). */
  port?: number;
  /**
   * The emulated phone's own number, E.164, e.g. '+966501234567'. Give this or `phones`;
   * with both, `phone` comes first.
   */
  phone?: string;
  /**
   * Several emulated phones, each a WhatsApp account of its own that a client links to.
   * The first is the default for every per-phone control call; more can be added at
   * run time with `addPhone` or `POST /control/phones`.
   */
  phones?: readonly string[];
  /** Each account's display name, sent along with the history push (default 'Emulated Phone'). */
  pushName?: string;
  /** How many QR refs a fresh client gets in pair-device (default 6, like WhatsApp). */
  qrRefs?: number;
  /** Delay before a delivery receipt (default 50 ms). */
  deliveredDelayMs?: number;
  /** Delay after delivery before a read receipt (default 100 ms). */
  readDelayMs?: number;
  /** Delay before the server acks a message (default 0); stands in for network latency. */
  ackDelayMs?: number;
  /**
   * Whether the phone pushes an empty initial history sync after a device's first login
   * (default true, as a real phone does). Without it Baileys buffers events for up to
   * 20 s on the first connection after pairing.
   */
  pushHistory?: boolean;
  logger?: Logger;
}

/** A running emulator: a WhatsApp server and the scripted phone, on one port. */
export interface Emulator {
  /** 'ws://<host>:<port>/ws/chat': give it to Baileys as `waWebSocketUrl`. */
  readonly url: string;
  /** 'http://<host>:<port>': the JSON control API lives under /control. */
  readonly controlUrl: string;
  /** The certificate chain's root key; clients must trust it (Baileys: WA_CERT_DETAILS.PUBLIC_KEY). */
  readonly rootPublicKey: Uint8Array;
  /** The first emulated phone's number, E.164: the default for per-phone control calls. */
  readonly phone: string;
  /** Every emulated phone's number, E.164, in the order they were added. */
  readonly phones: readonly string[];
  /** Adds an emulated phone; resolves its number as E.164. Throws on a malformed or taken number. */
  addPhone(phone: string): string;
  /** Closes every client socket and the port. */
  close(): Promise<void>;
}

/** Starts a WhatsApp server emulator with one or more scripted phones and resolves once it listens. */
export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const numbers = [...(options.phone === undefined ? [] : [options.phone]), ...(options.phones ?? [])];
  if (numbers.length === 0) throw new Error('name at least one phone (`phone` or `phones`)');
  const phones = numbers.map(phone => {
    const digits = toDigits(phone);
    if (!digits) throw new Error(`not an E.164 phone number: ${phone}`);
    return digits;
  });
  const taken = phones.find((digits, i) => phones.indexOf(digits) !== i);
  if (taken) throw new Error(`phone +${taken} is named twice`);
  const qrRefs = options.qrRefs ?? 6;
  if (!Number.isInteger(qrRefs) || qrRefs < 1) throw new Error('qrRefs must be a positive integer');
  const logger = (options.logger ?? pino({ level: 'silent' })).child({ module: 'wa-emulator' });
  const world = new World(
    { qrRefs, pushHistory: options.pushHistory ?? true },
    {
      pushName: options.pushName ?? 'Emulated Phone',
      deliveredDelayMs: options.deliveredDelayMs ?? 50,
      readDelayMs: options.readDelayMs ?? 100,
      ackDelayMs: options.ackDelayMs ?? 0,
      ackError: null,
    },
    new ContactDirectory(),
    logger,
  );
  for (const digits of phones) world.addPhone(digits);
  const root = rootKeyPair();
  const staticKeys = generateKeyPair();
  const certChain = buildCertChain(root, staticKeys.public);
  const control = makeControlApi(world, root.public);

  const onStanza = makeStanzaRouter(world);

  const http = createServer((req, res) => {
    void control(req, res);
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== '/ws/chat') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    world.loginAttempts++;
    if (world.down) {
      // Like an unreachable server: no answer at all. (An HTTP 503 would leave Baileys
      // rc14 hanging forever: it listens for 'unexpected-response', so ws never errors.)
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, ws => {
      const peer = new ClientConnection(ws, {
        world,
        staticKeys,
        certChain,
        logger,
        onLogin: (p, result) => handleLogin(world, p, result),
        onStanza,
      });
      world.peers.add(peer);
    });
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      http.off('error', reject);
      resolve();
    });
  });
  const address = http.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  logger.debug({ host, port: address.port, phones: phones.length }, 'emulator listening');

  let closing: Promise<void> | null = null;
  return {
    url: `ws://${host}:${address.port}/ws/chat`,
    controlUrl: `http://${host}:${address.port}`,
    rootPublicKey: new Uint8Array(root.public),
    phone: world.firstPhone.e164,
    get phones() {
      return world.allPhones().map(p => p.e164);
    },
    addPhone(phone) {
      const digits = toDigits(phone);
      if (!digits) throw new Error(`not an E.164 phone number: ${phone}`);
      return world.addPhone(digits).e164;
    },
    close() {
      closing ??= (async () => {
        world.cancelTimers();
        for (const peer of world.peers) peer.terminate();
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        http.closeAllConnections();
        await new Promise<void>(resolve => http.close(() => resolve()));
      })();
      return closing;
    },
  };
}
