/**
 * The browser APIs the session client uses, named by the little it needs from each,
 * so tests hand in fakes and the server-side render never touches `window`.
 */

/** Time and timers. `schedule` returns the function that cancels it. */
export interface Clock {
  now(): number;
  schedule(callback: () => void, ms: number): () => void;
}

/** Anything with DOM-style `addEventListener` (window, document, a Node `EventTarget`). */
export interface EventTargetLike {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

/** The document: whether the tab is visible, and `visibilitychange`. */
export interface PageVisibility extends EventTargetLike {
  readonly visibilityState: string;
}

/** What the client reads from a WebSocket's events. */
export interface SocketEvent {
  readonly type: string;
  readonly data?: unknown;
  readonly code?: number;
}

/** The part of the browser's `WebSocket` the connection uses. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: SocketEvent) => void): void;
  removeEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: SocketEvent) => void): void;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** What the tabs read from a BroadcastChannel's `message` event. */
export interface ChannelMessage {
  readonly data: unknown;
}

/** The part of `BroadcastChannel` the tabs use. */
export interface ChannelLike {
  postMessage(message: unknown): void;
  close(): void;
  addEventListener(type: 'message', listener: (event: ChannelMessage) => void): void;
  removeEventListener(type: 'message', listener: (event: ChannelMessage) => void): void;
}
export type ChannelConstructor = new (name: string) => ChannelLike;

/** The part of `navigator.locks` (Web Locks) leader election uses. */
export interface LockManagerLike {
  request(name: string, options: { signal?: AbortSignal }, callback: (lock: unknown) => Promise<void>): Promise<unknown>;
}

/** Everything the session client takes from its surroundings. */
export interface SessionEnvironment {
  clock: Clock;
  /** A number in [0, 1): the jitter of reconnect delays. */
  random(): number;
  isOnline(): boolean;
  WebSocket: WebSocketConstructor | null;
  BroadcastChannel: ChannelConstructor | null;
  locks: LockManagerLike | null;
  /** `visibilitychange`; null where there is no document (always visible). */
  document: PageVisibility | null;
  /** `online`, `offline`, `pagehide`, `pageshow`. */
  window: EventTargetLike | null;
}

/** True unless the page says it is hidden. */
export function isPageVisible(document: PageVisibility | null): boolean {
  return document?.visibilityState !== 'hidden';
}

/** The real browser; call it only in the browser (in an effect, never during render). */
export function browserEnvironment(): SessionEnvironment {
  return {
    clock: {
      now: () => Date.now(),
      schedule(callback, ms) {
        const timer = setTimeout(callback, ms);
        return () => clearTimeout(timer);
      },
    },
    random: () => Math.random(),
    isOnline: () => typeof navigator === 'undefined' || navigator.onLine !== false,
    WebSocket: typeof WebSocket === 'function' ? WebSocket : null,
    BroadcastChannel: typeof BroadcastChannel === 'function' ? BroadcastChannel : null,
    // Web Locks only exist in secure contexts (https or localhost).
    locks: typeof navigator !== 'undefined' && navigator.locks ? navigator.locks : null,
    document: typeof document === 'undefined' ? null : document,
    window: typeof window === 'undefined' ? null : window,
  };
}

/**
 * Collects every timer and listener a component sets up, so one `run()` removes them
 * all (socket.io client's `subs` array).
 */
export class Cleanup {
  private readonly tasks = new Set<() => void>();

  /** Registers `task` to run at cleanup; calling the returned function runs it early. */
  add(task: () => void): () => void {
    const once = () => {
      if (this.tasks.delete(once)) task();
    };
    this.tasks.add(once);
    return once;
  }

  listen(target: EventTargetLike, type: string, listener: () => void): () => void {
    target.addEventListener(type, listener);
    return this.add(() => target.removeEventListener(type, listener));
  }

  schedule(clock: Clock, callback: () => void, ms: number): () => void {
    const cancel = this.add(() => cancelTimer());
    const cancelTimer = clock.schedule(() => {
      this.tasks.delete(cancel);
      callback();
    }, ms);
    return cancel;
  }

  run(): void {
    for (const task of [...this.tasks]) task();
  }
}
