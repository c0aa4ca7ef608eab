import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';
import type { Logger } from 'pino';
import {
  WS_CLOSE,
  WS_HEARTBEAT_INTERVAL_MS,
  WS_MAX_CLIENT_MESSAGE_BYTES,
  wsClientMessageSchema,
  DEFAULT_SESSION_ID,
} from '@wasla/protocol';
import type { CampaignProgress, Message, MessageStatusEvent, SenderIdentified, SessionState, WsClientMessage, WsEvent } from '@wasla/protocol';
import type { EventBus } from '../events/events.js';
import type { Principal } from '../modules/auth/principal.js';
import type { AuthService, Credential, CredentialChange } from '../modules/auth/service.js';
import type { SessionService } from '../modules/sessions/service.js';
import { RATE, takeToken } from './client.js';
import type { WsClient } from './client.js';
import { FanOut } from './fan-out.js';

export interface WsHubOptions {
  bus: EventBus;
  sessions: SessionService;
  logger: Logger;
  /** Resolves the caller from the upgrade request; `null` → close 4401. */
  authenticate(request: IncomingMessage): Promise<{ principal: Principal; credential: Credential } | null>;
  /** Looks again at open sockets when credentials end or change. */
  credentials: Pick<AuthService, 'principalFor' | 'onCredentialsChanged' | 'touches'>;
  /** True when a cookie-authenticated upgrade's Origin may use the API. */
  originAllowed(request: IncomingMessage): boolean;
  maxClients: number;
  /** Most sockets one user (or one API key) may hold open. */
  maxClientsPerCaller: number;
  heartbeatMs?: number;
  /** A client whose unsent data passes this is too slow and is dropped. */
  maxBufferedBytes?: number;
}

// Frames up to this size are read and answered with an error when they are too big;
// larger ones close the socket (1009) before they are buffered.
const HARD_MAX_PAYLOAD = 64 * 1024;

/**
 * The `/ws` endpoint: upgrade, authentication, subscriptions, heartbeat and fan-out of
 * server events to the clients subscribed to them.
 */
export class WsHub {
  private readonly server = new WebSocketServer({ noServer: true, maxPayload: HARD_MAX_PAYLOAD, perMessageDeflate: false, clientTracking: false });
  private readonly clients = new Set<WsClient>();
  private readonly perCaller = new Map<string, number>();
  private readonly fanOut = new FanOut();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly stopFollowingCredentials: () => void;
  private readonly unsubscribe: (() => void)[];
  private closing = false;

  constructor(private readonly options: WsHubOptions) {
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatMs ?? WS_HEARTBEAT_INTERVAL_MS);
    this.heartbeat.unref();
    this.unsubscribe = [
      options.bus.subscribe('session_update', this.onSessionUpdate),
      options.bus.subscribe('message_status', this.onMessageStatus),
      options.bus.subscribe('message_received', this.onMessageReceived),
      options.bus.subscribe('sender_identified', this.onSenderIdentified),
      options.bus.subscribe('campaign_progress', this.onCampaignProgress),
    ];
    this.stopFollowingCredentials = options.credentials.onCredentialsChanged(this.onCredentialsChanged);
  }

  get size(): number {
    return this.clients.size;
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    if (this.closing) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
      return;
    }
    this.options.authenticate(request).then(
      (auth) => this.server.handleUpgrade(request, socket, head, (ws) => this.accept(ws, request, auth)),
      (error: unknown) => {
        this.options.logger.error({ err: error }, 'websocket authentication failed');
        socket.destroy();
      },
    );
  }

  private accept(ws: WebSocket, request: IncomingMessage, auth: { principal: Principal; credential: Credential } | null): void {
    // The handshake completes before refusing, so clients can read the close code.
    if (!auth) return ws.close(WS_CLOSE.notAuthenticated, 'not authenticated');
    if (auth.credential.kind === 'cookie' && !this.options.originAllowed(request)) return ws.close(WS_CLOSE.notAllowed, 'origin not allowed');
    if (this.clients.size >= this.options.maxClients) return ws.close(1013, 'too many connections');
    const owner = auth.principal.kind === 'user' ? `user:${auth.principal.id}` : `api_key:${auth.principal.id}`;
    const held = this.perCaller.get(owner) ?? 0;
    if (held >= this.options.maxClientsPerCaller) {
      return ws.close(WS_CLOSE.tooManyConnections, `at most ${this.options.maxClientsPerCaller} connections per user`);
    }
    this.perCaller.set(owner, held + 1);
    const client: WsClient = {
      socket: ws,
      principal: auth.principal,
      credential: auth.credential,
      owner,
      subscriptions: new Map(),
      alive: true,
      tokens: RATE.burst,
      refilledAt: Date.now(),
      strikes: 0,
    };
    this.clients.add(client);
    ws.on('message', (data, isBinary) => this.onMessage(client, data, isBinary));
    ws.on('pong', () => (client.alive = true));
    ws.on('error', () => ws.terminate());
    ws.on('close', () => this.forget(client));
  }

  private forget(client: WsClient): void {
    if (!this.clients.delete(client)) return;
    this.fanOut.removeClient(client);
    const held = (this.perCaller.get(client.owner) ?? 1) - 1;
    if (held > 0) this.perCaller.set(client.owner, held);
    else this.perCaller.delete(client.owner);
  }

  /** A logout, deleted user, revoked key, new password or lower role reaches open sockets at once. */
  private readonly onCredentialsChanged = (change: CredentialChange): void => {
    for (const client of this.clients) {
      if (!this.options.credentials.touches(change, client.credential, client.principal)) continue;
      this.options.credentials.principalFor(client.credential).then(
        (principal) => this.reconsider(client, principal),
        (error: unknown) => {
          this.options.logger.error({ err: error }, 'could not check a socket’s credentials again; closing it');
          this.endCredentials(client);
        },
      );
    }
  };

  private reconsider(client: WsClient, principal: Principal | null): void {
    if (!this.clients.has(client)) return;
    if (!principal) return this.endCredentials(client);
    const wasAdmin = client.principal.role === 'admin';
    client.principal = principal;
    if (!wasAdmin || principal.role === 'admin') return;
    // Lowered to operator: no more QR codes, and the state it holds is sent again redacted.
    for (const [sessionId, events] of client.subscriptions) {
      this.fanOut.unsubscribe(client, sessionId, ['qr_code']);
      if (events.has('session_update')) this.send(client, this.fanOut.sessionUpdateFrame(this.options.sessions.state(sessionId), false));
    }
  }

  private endCredentials(client: WsClient): void {
    this.forget(client);
    client.socket.close(WS_CLOSE.notAuthenticated, 'credentials ended');
  }

  private onMessage(client: WsClient, data: RawData, isBinary: boolean): void {
    client.alive = true;
    if (!takeToken(client, Date.now())) {
      client.strikes += 1;
      if (client.strikes === 1) this.sendError(client, 'rate_limited', `Too many messages: at most ${RATE.perSecond} a second.`);
      if (client.strikes > RATE.maxStrikes) client.socket.close(1008, 'flooding');
      return;
    }
    client.strikes = 0;
    const size = Array.isArray(data) ? data.reduce((sum, part) => sum + part.length, 0) : data.byteLength;
    if (isBinary) return this.sendError(client, 'invalid_message', 'Messages must be JSON text.');
    if (size > WS_MAX_CLIENT_MESSAGE_BYTES) {
      return this.sendError(client, 'message_too_large', `Messages may be at most ${WS_MAX_CLIENT_MESSAGE_BYTES} bytes.`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(data.toString());
    } catch {
      return this.sendError(client, 'invalid_json', 'The message is not valid JSON.');
    }
    const message = wsClientMessageSchema.safeParse(parsed);
    if (!message.success) {
      const issue = message.error.issues[0];
      const where = issue?.path.length ? ` (${issue.path.join('.')})` : '';
      return this.sendError(client, 'invalid_message', `Unsupported message${where}: ${issue?.message ?? 'unknown shape'}.`);
    }
    this.handle(client, message.data);
  }

  private handle(client: WsClient, message: WsClientMessage): void {
    switch (message.type) {
      case 'ping':
        return this.send(client, JSON.stringify({ type: 'pong', t: message.t ?? Date.now() }));
      case 'pong':
        return;
      case 'subscribe':
        return this.subscribe(client, message.sessionId ?? DEFAULT_SESSION_ID, message.events);
      case 'unsubscribe':
        return this.fanOut.unsubscribe(client, message.sessionId ?? DEFAULT_SESSION_ID, message.events);
    }
  }

  private subscribe(client: WsClient, sessionId: string, requested: WsEvent[]): void {
    if (!this.options.sessions.has(sessionId)) {
      return this.sendError(client, 'session_not_found', `There is no WhatsApp session named "${sessionId}".`);
    }
    const isAdmin = client.principal.role === 'admin';
    const events = requested.filter((event) => event !== 'qr_code' || isAdmin);
    if (events.length < requested.length) this.sendError(client, 'not_allowed', 'Only admins may receive QR codes.');
    this.fanOut.subscribe(client, sessionId, events);
    // Every subscribe is answered at once with the full state, so a client never waits for a change.
    const state = this.options.sessions.state(sessionId);
    this.send(client, this.fanOut.sessionUpdateFrame(state, isAdmin));
    if (events.includes('qr_code') && state.qrCode) this.send(client, this.fanOut.qrFrame(state));
  }

  private readonly onSessionUpdate = (state: SessionState): void => {
    this.fanOut.publishSession(state, (client, frame) => this.send(client, frame));
  };

  private readonly onMessageStatus = (event: MessageStatusEvent): void => {
    this.fanOut.publishEvent(event.sessionId, 'message_status', event, this.deliver);
  };

  private readonly onMessageReceived = (message: Message): void => {
    this.fanOut.publishEvent(message.sessionId, 'message_received', message, this.deliver);
  };

  private readonly onSenderIdentified = (identified: SenderIdentified): void => {
    this.fanOut.publishEvent(identified.sessionId, 'sender_identified', identified, this.deliver);
  };

  private readonly onCampaignProgress = (progress: CampaignProgress): void => {
    this.fanOut.publishEvent(progress.sessionId, 'campaign_progress', progress, this.deliver);
  };

  private readonly deliver = (client: WsClient, frame: string): void => this.send(client, frame);

  private send(client: WsClient, frame: string): void {
    const ws = client.socket;
    if (ws.readyState !== ws.OPEN) return;
    // A client that stops reading would make the server buffer without bound.
    if (ws.bufferedAmount > (this.options.maxBufferedBytes ?? 1024 * 1024)) {
      ws.terminate();
      return;
    }
    ws.send(frame);
  }

  private sendError(client: WsClient, code: string, message: string): void {
    this.send(client, JSON.stringify({ type: 'error', data: { code, message } }));
  }

  private beat(): void {
    const now = Date.now();
    const ping = JSON.stringify({ type: 'ping', t: now });
    for (const client of this.clients) {
      if (!client.alive) {
        client.socket.terminate();
        continue;
      }
      if (client.principal.expiresAt !== undefined && client.principal.expiresAt <= now) {
        this.endCredentials(client);
        continue;
      }
      client.alive = false;
      client.socket.ping();
      // Browsers can't see protocol pings; this lets them notice a dead server.
      this.send(client, ping);
    }
  }

  /** Closes every client with 1001 and stops accepting new ones. */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.heartbeat);
    this.stopFollowingCredentials();
    for (const stop of this.unsubscribe) stop();
    const closed = [...this.clients].map(
      (client) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            client.socket.terminate();
            resolve();
          }, 2000);
          client.socket.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
          client.socket.close(WS_CLOSE.serverShutdown, 'server shutting down');
        }),
    );
    await Promise.all(closed);
    this.server.close();
  }
}
