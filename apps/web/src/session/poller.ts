import { DEFAULT_SESSION_ID, sessionStateEtag, sessionStateSchema } from '@wasla/protocol';
import type { SessionState } from '@wasla/protocol';
import { ApiError, apiFetch } from '../lib/api.js';
import { Cleanup } from './environment.js';
import type { Clock } from './environment.js';
import type { SessionStore } from './store.js';

/** The seed's backup poll: every 10 s, nearly free thanks to the ETag. */
export const POLL_INTERVAL_MS = 10_000;

/**
 * Gets the state unless it is still the one tagged `etag`: resolves with the new state,
 * or `null` when the server answered 304.
 */
export type FetchSessionState = (sessionId: string, etag: string | null, signal: AbortSignal) => Promise<SessionState | null>;

/** The API path of a session route: the seed's `/api/session/...` for the default session. */
export function sessionPath(sessionId: string, route: string): string {
  return sessionId === DEFAULT_SESSION_ID ? `/api/session/${route}` : `/api/sessions/${encodeURIComponent(sessionId)}/${route}`;
}

/** {@link FetchSessionState} over HTTP, with `If-None-Match`. */
export const fetchSessionState: FetchSessionState = async (sessionId, etag, signal) => {
  const response = await apiFetch<unknown>(sessionPath(sessionId, 'state'), { etag, signal });
  return response.notModified ? null : sessionStateSchema.parse(response.data);
};

export interface SessionPollerOptions {
  store: SessionStore;
  clock: Clock;
  fetchState?: FetchSessionState;
  /** Checked before every scheduled poll: false while nobody can see the page. */
  shouldPoll?: () => boolean;
  intervalMs?: number;
}

/**
 * Polls the session state as a backup to the WebSocket. The `If-None-Match` it sends is
 * the tag of the state the store holds, so a state the WebSocket already delivered
 * costs a 304. Results go through `store.apply`, so a late answer can't roll back.
 */
export class SessionPoller {
  private readonly cleanupAll = new Cleanup();
  private readonly abort = new AbortController();
  private readonly fetchState: FetchSessionState;
  private inFlight: Promise<void> | null = null;
  private running = false;

  constructor(private readonly options: SessionPollerOptions) {
    this.fetchState = options.fetchState ?? fetchSessionState;
    this.cleanupAll.add(() => this.abort.abort());
  }

  /** Polls now (if it should), then every interval. */
  start(): void {
    if (this.running || this.abort.signal.aborted) return;
    this.running = true;
    this.tick();
  }

  /**
   * Fetches the state now, whatever the visibility. A request already in flight is
   * reused: the same promise comes back. Never rejects; a failure lands in
   * `store.fetchError`.
   */
  refresh(): Promise<void> {
    this.inFlight ??= this.poll().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  /** Stops the timer and aborts a request in flight. */
  cleanup(): void {
    this.running = false;
    this.cleanupAll.run();
  }

  private tick(): void {
    if (!this.running) return;
    if (this.options.shouldPoll?.() ?? true) void this.refresh();
    this.cleanupAll.schedule(this.options.clock, () => this.tick(), this.options.intervalMs ?? POLL_INTERVAL_MS);
  }

  private async poll(): Promise<void> {
    const { store } = this.options;
    if (this.abort.signal.aborted) return;
    const held = store.getSnapshot().state;
    try {
      const state = await this.fetchState(store.sessionId, held ? sessionStateEtag(held) : null, this.abort.signal);
      if (this.abort.signal.aborted) return;
      if (state) store.apply(state, 'poll');
      store.setFetchError(null, this.options.clock.now());
    } catch (error) {
      if (this.abort.signal.aborted) return;
      store.setFetchError(
        error instanceof ApiError
          ? { code: error.code, message: error.message }
          : { code: 'invalid_response', message: 'The server sent a session state this page does not understand.' },
        this.options.clock.now(),
      );
    }
  }
}
