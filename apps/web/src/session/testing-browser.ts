/**
 * A fake browser for the session client's tests: WebSockets the test plays the server
 * for, and a BroadcastChannel bus and a Web Locks manager shared by its "tabs".
 */
import type {
  ChannelConstructor,
  ChannelLike,
  ChannelMessage,
  LockManagerLike,
  SessionEnvironment,
  SocketEvent,
  WebSocketConstructor,
  WebSocketLike,
} from './environment.js';
import { FakeClock, FakeDocument, FakeEvents } from './testing.js';

/** A WebSocket the test plays the server for. */
export interface FakeSocket extends WebSocketLike {
  readonly url: string;
  readonly sent: unknown[];
  closedWith: number | null;
  serverOpen(): void;
  serverSend(message: unknown): void;
  serverClose(code: number): void;
}

/** A WebSocket class whose instances the test can reach. */
export function fakeWebSockets(): { WebSocket: WebSocketConstructor; instances: FakeSocket[]; open(): FakeSocket[] } {
  const instances: FakeSocket[] = [];
  class Socket implements FakeSocket {
    readyState = 0;
    readonly sent: unknown[] = [];
    closedWith: number | null = null;
    private readonly listeners = new Map<string, Set<(event: SocketEvent) => void>>();

    constructor(readonly url: string) {
      instances.push(this);
    }
    send(data: string): void {
      if (this.readyState !== 1) throw new Error('InvalidStateError: not open');
      this.sent.push(JSON.parse(data));
    }
    close(code = 1000): void {
      this.closedWith ??= code;
      this.readyState = 3;
    }
    addEventListener(type: string, listener: (event: SocketEvent) => void): void {
      const set = this.listeners.get(type) ?? new Set();
      set.add(listener);
      this.listeners.set(type, set);
    }
    removeEventListener(type: string, listener: (event: SocketEvent) => void): void {
      this.listeners.get(type)?.delete(listener);
    }
    serverOpen(): void {
      this.readyState = 1;
      this.emit({ type: 'open' });
    }
    serverSend(message: unknown): void {
      this.emit({ type: 'message', data: JSON.stringify(message) });
    }
    serverClose(code: number): void {
      this.readyState = 3;
      this.emit({ type: 'close', code });
    }
    private emit(event: SocketEvent): void {
      for (const listener of [...(this.listeners.get(event.type) ?? [])]) listener(event);
    }
  }
  return { WebSocket: Socket, instances, open: () => instances.filter((s) => s.readyState !== 3) };
}

/** BroadcastChannel for the tabs of one fake browser: delivery is async, as in browsers. */
export function fakeChannels(): ChannelConstructor {
  const members = new Set<{ name: string; deliver(data: unknown): void }>();
  return class Channel implements ChannelLike {
    private readonly listeners = new Set<(event: ChannelMessage) => void>();
    private readonly member: { name: string; deliver(data: unknown): void };
    constructor(private readonly name: string) {
      this.member = { name, deliver: (data) => this.listeners.forEach((listener) => listener({ data })) };
      members.add(this.member);
    }
    postMessage(message: unknown): void {
      const data = structuredClone(message);
      for (const member of members) {
        if (member !== this.member && member.name === this.name) queueMicrotask(() => members.has(member) && member.deliver(data));
      }
    }
    close(): void {
      members.delete(this.member);
    }
    addEventListener(_type: 'message', listener: (event: ChannelMessage) => void): void {
      this.listeners.add(listener);
    }
    removeEventListener(_type: 'message', listener: (event: ChannelMessage) => void): void {
      this.listeners.delete(listener);
    }
  };
}

/** Web Locks for one fake browser: exclusive, queued in request order, abortable while queued. */
export class FakeLocks implements LockManagerLike {
  private readonly held = new Set<string>();
  private readonly queue: Array<{ name: string; grant(): void }> = [];

  request(name: string, options: { signal?: AbortSignal }, callback: (lock: unknown) => Promise<void>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const waiter = {
        name,
        grant: () => {
          this.held.add(name);
          void Promise.resolve()
            .then(() => callback({ name }))
            .finally(() => {
              this.held.delete(name);
              this.pump();
            })
            .then(resolve, reject);
        },
      };
      options.signal?.addEventListener('abort', () => {
        const index = this.queue.indexOf(waiter);
        if (index < 0) return;
        this.queue.splice(index, 1);
        reject(new DOMException('The request was aborted.', 'AbortError'));
      });
      this.queue.push(waiter);
      this.pump();
    });
  }

  private pump(): void {
    for (const waiter of [...this.queue]) {
      if (this.held.has(waiter.name)) continue;
      this.queue.splice(this.queue.indexOf(waiter), 1);
      waiter.grant();
    }
  }
}

/** One fake browser: shared sockets, channel and locks; a document and window per tab. */
export function fakeBrowser(options: { locks?: boolean; channels?: boolean; random?: () => number } = {}) {
  const clock = new FakeClock();
  const sockets = fakeWebSockets();
  const BroadcastChannel = options.channels === false ? null : fakeChannels();
  const locks = options.locks === false ? null : new FakeLocks();
  let online = true;
  const windows: FakeEvents[] = [];
  return {
    clock,
    sockets,
    locks,
    setOnline(value: boolean): void {
      online = value;
      for (const window of windows) window.dispatch(value ? 'online' : 'offline');
    },
    /** A new tab's environment, its document and its window. */
    tab(): { env: SessionEnvironment; document: FakeDocument; window: FakeEvents } {
      const document = new FakeDocument();
      const window = new FakeEvents();
      windows.push(window);
      const env: SessionEnvironment = {
        clock,
        random: options.random ?? (() => 0.5),
        isOnline: () => online,
        WebSocket: sockets.WebSocket,
        BroadcastChannel,
        locks,
        document,
        window,
      };
      return { env, document, window };
    },
  };
}
