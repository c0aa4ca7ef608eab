import makeWASocket, {
  Browsers,
  DisconnectReason,
  WA_CERT_DETAILS,
  generateMessageIDV2,
  jidDecode,
  jidNormalizedUser,
  makeCacheableSignalKeyStore,
  proto,
} from 'baileys';
import type { BinaryNode, WAMessage, WAMessageUpdate, WASocket } from 'baileys';
import type { Logger } from 'pino';
import { loadAuthState } from './auth-state.js';
import { mappingsFromContacts, phoneFromJid, resolveSenders, toInboundMessages, toLidMappings } from './inbound.js';
import { quietLibsignal } from './quiet-libsignal.js';
import type { DatabaseAuthState } from './auth-state.js';
import { ConnectionClosedDuringSend } from './provider.js';
import type {
  ConnectionClose,
  ConnectionListener,
  InboundMessage,
  LidMapping,
  ReceiptUpdate,
  SentMessageLookup,
  WhatsAppAuthRepository,
  WhatsAppConnection,
  WhatsAppProvider,
  WhatsAppRetryCountRepository,
} from './provider.js';
import { MAX_RETRY_COUNT, retryCounterStore, storedMessageLookup } from './retries.js';

export interface BaileysProviderOptions {
  serverUrl: string;
  /** Base64 root key of a local emulator's certificate chain; only for loopback URLs (checked in config). */
  certPublicKey: string | null;
  /** Overrides how long each QR lives (Baileys: 60 s for the first, 20 s for the rest). */
  qrTimeoutMs: number | null;
  repository: WhatsAppAuthRepository;
  /** What each session sent, for resending to a device that asks (a retry receipt). */
  sentMessages: SentMessageLookup;
  retryCounts: WhatsAppRetryCountRepository;
  logger: Logger;
}

const FIRST_QR_MS = 60_000;
const NEXT_QR_MS = 20_000;
const LOGOUT_TIMEOUT_MS = 5_000;
const RETIRE_TIMEOUT_MS = 10_000;

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

/** Baileys' numeric receipt status (proto.WebMessageInfo.Status) to Wasla's words. */
const RECEIPT_STATUS: Partial<Record<number, ReceiptUpdate['status']>> = {
  [proto.WebMessageInfo.Status.ERROR]: 'failed',
  [proto.WebMessageInfo.Status.SERVER_ACK]: 'sent',
  [proto.WebMessageInfo.Status.DELIVERY_ACK]: 'delivered',
  [proto.WebMessageInfo.Status.READ]: 'read',
  [proto.WebMessageInfo.Status.PLAYED]: 'read',
};

/** Maps Baileys' `messages.update` for messages we sent; exported for tests on recorded shapes. */
export function toReceiptUpdates(updates: WAMessageUpdate[]): ReceiptUpdate[] {
  const result: ReceiptUpdate[] = [];
  for (const { key, update } of updates) {
    if (!key.fromMe || !key.id || update.status == null) continue;
    const status = RECEIPT_STATUS[update.status];
    if (!status) continue;
    const errorCode = status === 'failed' ? (update.messageStubParameters?.[0] ?? null) : null;
    result.push({ messageId: key.id, status, errorCode });
  }
  return result;
}

/** The server's ack of a message we sent: "sent", or failed with WhatsApp's error code (e.g. 463). */
export function receiptFromServerAck(attrs: { id?: string; error?: string }): ReceiptUpdate | null {
  if (!attrs.id) return null;
  return attrs.error ? { messageId: attrs.id, status: 'failed', errorCode: attrs.error } : { messageId: attrs.id, status: 'sent', errorCode: null };
}

/**
 * Baileys folds an ack or receipt that lands within ~100 ms of the send into the sent
 * message's `messages.upsert` instead of a `messages.update`; read statuses there too.
 */
export function toReceiptUpdatesFromUpsert(messages: WAMessage[]): ReceiptUpdate[] {
  return toReceiptUpdates(
    messages.map((message) => ({
      key: message.key,
      update: { status: message.status ?? null, messageStubParameters: message.messageStubParameters ?? null },
    })),
  );
}

function closeReason(error: unknown): ConnectionClose {
  // Baileys closes with a Boom; its HTTP-like status code is WhatsApp's reason.
  const boom = error as { output?: { statusCode?: number }; message?: string } | undefined;
  return { statusCode: boom?.output?.statusCode ?? null, message: boom?.message ?? null };
}

export function createBaileysProvider(options: BaileysProviderOptions): WhatsAppProvider {
  quietLibsignal();
  if (options.certPublicKey) {
    // Baileys reads this object when it checks the server's certificate chain.
    WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(options.certPublicKey, 'base64');
  }
  // A session's next connection must start after the previous one's writes landed.
  const retiring = new Map<string, Promise<void>>();

  return {
    connect(sessionId, listener) {
      const previous = retiring.get(sessionId) ?? Promise.resolve();
      const connection = new BaileysConnection(sessionId, listener, options, previous);
      retiring.set(sessionId, connection.retired);
      return connection;
    },
    async wipeCredentials(sessionId) {
      // A socket that never reports its close must not block the wipe forever.
      await Promise.race([retiring.get(sessionId), delay(RETIRE_TIMEOUT_MS)]);
      await options.repository.wipe(sessionId);
      await options.retryCounts.clear(sessionId);
    },
    hasCredentials: (sessionId) => options.repository.hasCreds(sessionId),
    newMessageId: () => generateMessageIDV2(),
  };
}

class BaileysConnection implements WhatsAppConnection {
  readonly retired: Promise<void>;
  private socket: WASocket | null = null;
  private auth: DatabaseAuthState | null = null;
  private ended = false;
  private closedReported = false;
  private qrCount = 0;
  private receiving: Promise<void> = Promise.resolve();
  private markRetired!: () => void;
  private readonly ready: Promise<void>;
  private readonly logger: Logger;

  constructor(
    private readonly sessionId: string,
    private readonly listener: ConnectionListener,
    private readonly options: BaileysProviderOptions,
    previous: Promise<void>,
  ) {
    this.logger = options.logger.child({ sessionId });
    this.retired = new Promise((resolve) => (this.markRetired = resolve));
    this.ready = previous.then(() => this.open()).catch((error: unknown) => {
      this.logger.error({ err: error }, 'could not open the WhatsApp connection');
      this.reportClosed({ statusCode: null, message: error instanceof Error ? error.message : 'could not connect' });
    });
  }

  private async open(): Promise<void> {
    if (this.ended) return this.reportClosed({ statusCode: null, message: 'ended before opening' });
    const auth = await loadAuthState(this.options.repository, this.sessionId);
    this.auth = auth;
    await this.options.retryCounts.removeExpired(this.sessionId);
    if (this.ended) return this.reportClosed({ statusCode: null, message: 'ended before opening' });
    // Baileys is chatty and its lines carry jids (phone numbers): its info lines only when
    // we debug, otherwise errors only, and never louder than our own level.
    const baileysLevel = this.logger.isLevelEnabled('debug') ? 'info' : this.logger.isLevelEnabled('error') ? 'error' : this.logger.level;
    const baileysLogger = this.logger.child({ module: 'baileys' }, { level: baileysLevel });
    const socket = makeWASocket({
      waWebSocketUrl: this.options.serverUrl,
      auth: { creds: auth.creds, keys: makeCacheableSignalKeyStore(auth.keys, baileysLogger) },
      // Staying "offline" keeps notifications on the user's phone.
      markOnlineOnConnect: false,
      syncFullHistory: false,
      browser: Browsers.ubuntu('Wasla'),
      logger: baileysLogger,
      // A recipient's device that could not decrypt a message asks for it again: answer
      // from what the session stored, counting resends across reconnects (see retries.ts).
      getMessage: storedMessageLookup(this.options.sentMessages, this.sessionId, this.logger),
      msgRetryCounterCache: retryCounterStore(this.options.retryCounts, this.sessionId, this.logger),
      maxMsgRetryCount: MAX_RETRY_COUNT,
      ...(this.options.qrTimeoutMs ? { qrTimeout: this.options.qrTimeoutMs } : {}),
    });
    this.socket = socket;
    socket.ev.on('creds.update', () => {
      auth.saveCreds().catch((error: unknown) => this.logger.error({ err: error }, 'could not save WhatsApp credentials'));
    });
    socket.ev.on('connection.update', (update) => {
      if (update.connection === 'connecting') this.listener.connecting();
      if (update.qr) this.emitQr(update.qr);
      if (update.connection === 'open') this.listener.open({ phoneNumber: phoneFromJid(socket.user?.id ?? auth.creds.me?.id) });
      if (update.connection === 'close') this.reportClosed(closeReason(update.lastDisconnect?.error));
    });
    // rc14 turns only a failed server ack into a status; a plain one is WhatsApp's single
    // tick ("sent"), and nothing else says the server has the message before delivery.
    // A failed one is read here too: rc14's `messages.update` for it can sit in the event
    // buffer (seen a second after connecting), and a 463 must stop sending at once.
    socket.ws.on('CB:ack,class:message', (node: BinaryNode) => {
      const receipt = receiptFromServerAck(node.attrs);
      if (receipt) this.emitReceipts([receipt]);
    });
    socket.ev.on('messages.update', (updates) => this.emitReceipts(toReceiptUpdates(updates)));
    socket.ev.on('messages.upsert', (upsert) => {
      this.emitReceipts(toReceiptUpdatesFromUpsert(upsert.messages));
      const inbound = toInboundMessages(upsert);
      if (inbound.length > 0) this.receive(() => this.emitInbound(socket, inbound));
    });
    socket.ev.on('lid-mapping.update', (pair) => this.receive(() => this.emitMappings(toLidMappings([pair]))));
    // rc14 stores a history sync's pairs but drops them from the event when it was
    // buffered: report the sync even without pairs, so the listener asks for the rest.
    socket.ev.on('messaging-history.set', ({ lidPnMappings }) => this.receive(() => this.listener.lidMappings(toLidMappings(lidPnMappings ?? []))));
    socket.ev.on('contacts.upsert', (contacts) => this.receive(() => this.emitMappings(mappingsFromContacts(contacts))));
  }

  /** Incoming messages and mappings reach the listener in the order WhatsApp sent them, though a sender lookup waits. */
  private receive(step: () => Promise<void> | void): void {
    this.receiving = this.receiving.then(step).catch((error: unknown) => this.logger.error({ err: error }, 'could not pass on incoming messages'));
  }

  private async emitInbound(socket: WASocket, inbound: InboundMessage[]): Promise<void> {
    const resolved = await resolveSenders(inbound, async (lid) => phoneFromJid(jidNormalizedUser((await socket.signalRepository.lidMapping.getPNForLID(lid)) ?? undefined)));
    this.listener.inbound(resolved);
  }

  private emitMappings(mappings: LidMapping[]): void {
    if (mappings.length > 0) this.listener.lidMappings(mappings);
  }

  private emitReceipts(receipts: ReceiptUpdate[]): void {
    if (receipts.length > 0) this.listener.receipts(receipts);
  }

  private emitQr(text: string): void {
    const lifetime = this.options.qrTimeoutMs ?? (this.qrCount === 0 ? FIRST_QR_MS : NEXT_QR_MS);
    this.qrCount += 1;
    this.listener.qr({ text, expiresAt: new Date(Date.now() + lifetime) });
  }

  private reportClosed(reason: ConnectionClose): void {
    if (this.closedReported) return;
    this.closedReported = true;
    this.ended = true;
    const auth = this.auth;
    void (auth ? auth.retire() : Promise.resolve()).finally(() => {
      this.markRetired();
      this.listener.closed(reason);
    });
  }

  private async live(): Promise<WASocket> {
    await this.ready;
    if (!this.socket || this.ended) throw new Error('The WhatsApp connection is closed.');
    return this.socket;
  }

  async requestPairingCode(digits: string): Promise<string> {
    return (await this.live()).requestPairingCode(digits);
  }

  async sendText(toDigits: string, text: string, messageId: string): Promise<void> {
    // The session hears of a close only once the credentials are saved, so it may still be
    // ready while this connection has ended: a send cut off by the close, not refused.
    const socket = await this.live().catch(() => {
      throw new ConnectionClosedDuringSend();
    });
    try {
      await socket.sendMessage(`${toDigits}@s.whatsapp.net`, { text }, { messageId });
    } catch (error) {
      // Baileys' "Connection Closed" (428) comes before the close event reaches the session.
      if (this.ended || closeReason(error).statusCode === DisconnectReason.connectionClosed) throw new ConnectionClosedDuringSend();
      throw error;
    }
  }

  async onWhatsApp(digits: string[]): Promise<Set<string>> {
    if (digits.length === 0) return new Set();
    const results = (await (await this.live()).onWhatsApp(...digits)) ?? [];
    return new Set(results.filter((r) => r.exists).map((r) => jidDecode(r.jid)?.user ?? '').filter(Boolean));
  }

  async phonesForLids(lids: string[]): Promise<LidMapping[]> {
    if (lids.length === 0) return [];
    const pairs = (await (await this.live()).signalRepository.lidMapping.getPNsForLIDs(lids)) ?? [];
    return toLidMappings(pairs);
  }

  async logout(): Promise<void> {
    const socket = await this.live().catch(() => null);
    if (!socket) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      socket.logout().catch((error: unknown) => this.logger.warn({ err: error }, 'logout request failed')),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, LOGOUT_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    this.end();
  }

  end(): void {
    if (this.ended && !this.socket) return;
    this.ended = true;
    const socket = this.socket;
    if (socket) {
      socket.end(undefined);
    } else {
      void this.ready.then(() => this.socket?.end(undefined));
    }
  }
}
