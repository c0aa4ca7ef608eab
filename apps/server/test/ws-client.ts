import WebSocket from 'ws';
import type { WsServerMessage } from '@wasla/protocol';

/**
 * A real WebSocket client for tests: records everything it receives and lets a test
 * await a message matching a predicate (no sleeps).
 */
export class TestSocket {
  readonly received: WsServerMessage[] = [];
  closeCode: number | null = null;
  closeReason = '';
  private waiters: { predicate: (message: WsServerMessage) => boolean; resolve: (message: WsServerMessage) => void; reject: (error: Error) => void }[] = [];
  private closeWaiters: ((code: number) => void)[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as WsServerMessage;
      this.received.push(message);
      this.waiters = this.waiters.filter((waiter) => {
        if (!waiter.predicate(message)) return true;
        waiter.resolve(message);
        return false;
      });
    });
    socket.on('close', (code, reason) => {
      this.closeCode = code;
      this.closeReason = reason.toString();
      for (const resolve of this.closeWaiters) resolve(code);
      // Nothing more will arrive: whoever still waits fails now, not at its timeout.
      for (const waiter of this.waiters) waiter.reject(new Error(`the WebSocket closed (${code}) while a test waited for a message; last: ${this.describeLast()}`));
      this.waiters = [];
    });
    socket.on('error', () => undefined);
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<TestSocket> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { headers });
      const client = new TestSocket(socket);
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Resolves with the first message (already received or coming) that matches; rejects if the socket closes first. */
  waitFor<T extends WsServerMessage>(predicate: (message: WsServerMessage) => boolean, timeoutMs = 15_000, from = 0): Promise<T> {
    const seen = this.received.slice(from).find(predicate);
    if (seen) return Promise.resolve(seen as T);
    if (this.closeCode !== null) return Promise.reject(new Error(`the WebSocket is closed (${this.closeCode}); last: ${this.describeLast()}`));
    return new Promise((resolve, reject) => {
      const waiter = {
        predicate,
        resolve: (message: WsServerMessage) => {
          clearTimeout(timer);
          resolve(message as T);
        },
        reject: (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((other) => other !== waiter);
        reject(new Error(`timed out waiting for a WebSocket message; last: ${this.describeLast()}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  private describeLast(): string {
    return JSON.stringify(this.received.at(-1))?.slice(0, 300) ?? 'none';
  }

  /** Waits for a `session_update` with the given status, after message index `from`. */
  waitForStatus(status: string, timeoutMs = 15_000, from = 0) {
    return this.waitFor<Extract<WsServerMessage, { type: 'session_update' }>>((m) => m.type === 'session_update' && m.data.status === status, timeoutMs, from);
  }

  waitForClose(timeoutMs = 10_000): Promise<number> {
    if (this.closeCode !== null) return Promise.resolve(this.closeCode);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for the socket to close')), timeoutMs);
      this.closeWaiters.push((code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
  }

  sessionUpdates() {
    return this.received.filter((m): m is Extract<WsServerMessage, { type: 'session_update' }> => m.type === 'session_update');
  }

  close(): void {
    this.socket.close();
  }
}
