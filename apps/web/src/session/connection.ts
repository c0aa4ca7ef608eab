import { DEFAULT_SESSION_ID, WS_CLOSE, wsServerMessageSchema } from '@wasla/protocol';
import type { WsClientMessage, WsEvent, WsServerMessage } from '@wasla/protocol';
import type { AuthLostReason } from '../lib/api.js';
import { Backoff } from './backoff.js';
import { Cleanup, isPageVisible } from './environment.js';
import type { SessionEnvironment, SocketEvent, WebSocketLike } from './environment.js';
import type { SessionStore } from './store.js';

/** No message for this long (two missed 15 s server pings and then some) means the socket is dead. */
export const HEARTBEAT_TIMEOUT_MS = 35_000;
/** A connection that stayed up this long resets the backoff to its first, short wait. */
export const STABLE_CONNECTION_MS = 10_000;

/**
 * What the one socket subscribes to: the seed's `session_update` and `qr_code`, then the
 * live events every page shares (receipts, incoming messages, campaign progress).
 */
export const SUBSCRIBED_EVENTS = ['session_update', 'qr_code', 'message_status', 'message_received', 'sender_identified', 'campaign_progress'] as const satisfies readonly WsEvent[];

const OPEN = 1;
const SOCKET_EVENTS = ['open', 'message', 'close', 'error'] as const;

export interface SessionConnectionOptions {
  url: string;
  store: SessionStore;
  sessionId: string;
  env: Pick<SessionEnvironment, 'WebSocket' | 'clock' | 'random' | 'isOnline' | 'document' | 'window'>;
  /** The server refused the login (4401) or the origin (4403); no reconnect follows. */
  onAuthLost?: (reason: AuthLostReason) => void;
  backoff?: Backoff;
  heartbeatTimeoutMs?: number;
  stableAfterMs?: number;
}

/**
 * The session's WebSocket, and the only place that reconnects it (socket.io client's
 * manager): it subscribes, feeds the store (states, and the live events it passes on), answers the server's pings, notices a dead
 * socket by its silence, and comes back with jittered backoff, at once when the tab
 * becomes visible or the browser comes back online. `cleanup()` removes everything.
 */
export class SessionConnection {
  private readonly cleanupAll = new Cleanup();
  private readonly backoff: Backoff;
  private readonly heartbeatTimeoutMs: number;
  private readonly stableAfterMs: number;
  private socket: WebSocketLike | null = null;
  private detachSocket: (() => void) | null = null;
  private cancelWatchdog: (() => void) | null = null;
  private cancelRetry: (() => void) | null = null;
  private openedAt: number | null = null;
  private lastMessageAt = 0;
  private everOpened = false;
  private phase: 'idle' | 'running' | 'stopped' = 'idle';

  constructor(private readonly options: SessionConnectionOptions) {
    this.backoff = options.backoff ?? new Backoff({ random: options.env.random });
    this.heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? HEARTBEAT_TIMEOUT_MS;
    this.stableAfterMs = options.stableAfterMs ?? STABLE_CONNECTION_MS;
  }

  /** Opens the socket and starts watching visibility and the network. */
  start(): void {
    if (this.phase !== 'idle') return;
    this.phase = 'running';
    const { document, window } = this.options.env;
    if (document) {
      this.cleanupAll.listen(document, 'visibilitychange', () => {
        if (isPageVisible(document)) this.reconnectNow();
      });
    }
    if (window) {
      this.cleanupAll.listen(window, 'online', () => this.reconnectNow());
      this.cleanupAll.listen(window, 'offline', () => this.wentOffline());
    }
    this.connect();
  }

  /**
   * Skips the wait: reconnects now unless a healthy socket is open or opening. A socket
   * that has been silent past the heartbeat (a laptop that slept) counts as dead.
   */
  reconnectNow(): void {
    if (this.phase !== 'running') return;
    if (this.socket) {
      const silentFor = this.options.env.clock.now() - this.lastMessageAt;
      if (this.socket.readyState !== OPEN || silentFor < this.heartbeatTimeoutMs) return;
      this.discardSocket();
    }
    this.cancelRetry?.();
    this.connect();
  }

  /** Closes the socket and removes every timer and listener; the connection is done. */
  cleanup(): void {
    this.phase = 'stopped';
    this.discardSocket();
    this.cleanupAll.run();
  }

  private connect(): void {
    const { env } = this.options;
    if (!env.isOnline()) return this.wentOffline();
    if (!env.WebSocket) return this.options.store.setHealth({ kind: 'offline', retryAt: null }, this.options.env.clock.now());
    this.options.store.setHealth({ kind: this.everOpened ? 'reconnecting' : 'connecting', retryAt: null }, this.options.env.clock.now());
    let socket: WebSocketLike;
    try {
      socket = new env.WebSocket(this.options.url);
    } catch {
      // A malformed URL throws at once; treat it like a failed attempt.
      return this.scheduleRetry();
    }
    const onEvent = (event: SocketEvent) => this.onSocketEvent(socket, event);
    for (const type of SOCKET_EVENTS) socket.addEventListener(type, onEvent);
    this.socket = socket;
    this.detachSocket = this.cleanupAll.add(() => {
      for (const type of SOCKET_EVENTS) socket.removeEventListener(type, onEvent);
    });
    // The same watchdog bounds the handshake: a blackholed connect can hang for minutes.
    this.heard();
  }

  private onSocketEvent(socket: WebSocketLike, event: SocketEvent): void {
    if (socket !== this.socket) return;
    switch (event.type) {
      case 'open':
        return this.opened();
      case 'message':
        this.heard();
        return this.receive(event.data);
      case 'close':
        return this.dropped(event.code ?? 1006);
      // 'error' is always followed by 'close', which decides what happens next.
    }
  }

  private opened(): void {
    this.everOpened = true;
    this.openedAt = this.options.env.clock.now();
    this.heard();
    const subscribe: WsClientMessage = { type: 'subscribe', events: [...SUBSCRIBED_EVENTS] };
    if (this.options.sessionId !== DEFAULT_SESSION_ID) subscribe.sessionId = this.options.sessionId;
    this.send(subscribe);
    this.options.store.setHealth({ kind: 'live', retryAt: null }, this.options.env.clock.now());
  }

  /** Any traffic proves the socket alive: the watchdog starts over. */
  private heard(): void {
    const { clock } = this.options.env;
    this.lastMessageAt = clock.now();
    this.cancelWatchdog?.();
    this.cancelWatchdog = this.cleanupAll.schedule(clock, () => this.dropped(null), this.heartbeatTimeoutMs);
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string') return;
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return;
    }
    const parsed = wsServerMessageSchema.safeParse(json);
    if (parsed.success) this.handle(parsed.data);
  }

  private handle(message: WsServerMessage): void {
    const { store, sessionId } = this.options;
    switch (message.type) {
      case 'session_update':
        store.apply(message.data, 'ws');
        return;
      // Other sessions' events can't arrive (subscriptions are per session), but a check costs nothing.
      case 'message_status':
        if (message.data.sessionId === sessionId) store.emit('message_status', message.data);
        return;
      case 'message_received':
        if (message.data.sessionId === sessionId) store.emit('message_received', message.data);
        return;
      case 'sender_identified':
        if (message.data.sessionId === sessionId) store.emit('sender_identified', message.data);
        return;
      case 'campaign_progress':
        if (message.data.sessionId === sessionId) store.emit('campaign_progress', message.data);
        return;
      case 'ping':
        return this.send({ type: 'pong', t: message.t });
      case 'qr_code': // the state already carries the QR, with the same (epoch, rev)
      case 'pong':
      case 'error': // e.g. an operator asking for qr_code: the connection stays useful
        return;
    }
  }

  /** The socket closed (`code`), or fell silent (`null`): reconnect, unless refused. */
  private dropped(code: number | null): void {
    this.discardSocket();
    if (this.phase !== 'running') return;
    if (code === WS_CLOSE.notAuthenticated || code === WS_CLOSE.notAllowed) {
      this.phase = 'stopped';
      this.options.store.setHealth({ kind: 'offline', retryAt: null }, this.options.env.clock.now());
      this.options.onAuthLost?.(code === WS_CLOSE.notAuthenticated ? 'unauthenticated' : 'forbidden');
      return;
    }
    // 1001 (server shutting down) lands here too: the server is coming back, so retry.
    const now = this.options.env.clock.now();
    if (this.openedAt !== null && now - this.openedAt >= this.stableAfterMs) this.backoff.reset();
    this.openedAt = null;
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    const { clock, isOnline } = this.options.env;
    if (!isOnline()) return this.wentOffline();
    this.cancelRetry?.();
    const delay = this.backoff.duration();
    this.options.store.setHealth({ kind: 'reconnecting', retryAt: clock.now() + delay }, this.options.env.clock.now());
    this.cancelRetry = this.cleanupAll.schedule(clock, () => {
      this.cancelRetry = null;
      this.connect();
    }, delay);
  }

  /** Nothing to retry while offline: the `online` event brings us back. */
  private wentOffline(): void {
    if (this.phase !== 'running' || this.socket) return;
    this.cancelRetry?.();
    this.cancelRetry = null;
    this.options.store.setHealth({ kind: 'offline', retryAt: null }, this.options.env.clock.now());
  }

  private discardSocket(): void {
    const socket = this.socket;
    this.socket = null;
    this.detachSocket?.();
    this.detachSocket = null;
    this.cancelWatchdog?.();
    this.cancelWatchdog = null;
    if (!socket) return;
    try {
      socket.close(1000, 'client closing');
    } catch {
      // Already closed, or closing: nothing more to do.
    }
  }

  private send(message: WsClientMessage): void {
    try {
      this.socket?.send(JSON.stringify(message));
    } catch {
      // Not open any more: the close event that follows reconnects.
    }
  }
}
