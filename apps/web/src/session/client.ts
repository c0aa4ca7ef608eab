import { DEFAULT_SESSION_ID } from '@wasla/protocol';
import { onUnauthenticated } from '../lib/api.js';
import type { AuthLostReason } from '../lib/api.js';
import { CampaignProgressBook } from './campaign-progress.js';
import { SessionConnection } from './connection.js';
import { browserEnvironment } from './environment.js';
import type { SessionEnvironment } from './environment.js';
import { SessionTabs } from './leader.js';
import type { LeaderDuty } from './leader.js';
import { SessionPoller } from './poller.js';
import type { FetchSessionState } from './poller.js';
import { SessionStore } from './store.js';

export interface SessionClientOptions {
  sessionId?: string;
  /** Defaults to `/ws` on this page's host (`wss:` under https). */
  webSocketUrl?: string;
  /**
   * The login is gone (WebSocket 4401/4403, or any API call answered 401): the client
   * has stopped and forgotten the state; `refresh()` after logging in starts it again.
   */
  onAuthLost?: (reason: AuthLostReason) => void;
  /** The browser by default; tests pass fakes. Read at `start()`, never during render. */
  environment?: () => SessionEnvironment;
  fetchState?: FetchSessionState;
}

/** `ws(s)://<this host>/ws`. */
export function defaultWebSocketUrl(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
}

/**
 * The whole browser-side session machinery for one session, without React (TanStack
 * Query's `QueryClient`): the store, plus, while started, leader election between tabs
 * and, in the leading tab, the WebSocket and the backup poll. The constructor does no
 * I/O, so it is safe during server rendering; `start()` and `stop()` may alternate
 * (React StrictMode runs effects twice).
 */
export class SessionClient {
  readonly store: SessionStore;
  /** The newest live progress of each campaign, fed by the store's `campaign_progress` events. */
  readonly campaigns = new CampaignProgressBook();
  private tabs: SessionTabs | null = null;
  private stopRun: (() => void) | null = null;
  /** Stopped by a lost login rather than by its owner: `refresh()` starts it again. */
  private haltedByAuth = false;

  constructor(private readonly options: SessionClientOptions = {}) {
    this.store = new SessionStore(options.sessionId ?? DEFAULT_SESSION_ID);
    // Both live as long as the client: nothing to remove.
    this.store.on('campaign_progress', (progress) => this.campaigns.record(progress));
  }

  get sessionId(): string {
    return this.store.sessionId;
  }

  /** True while this tab holds the connection (for debugging and tests). */
  get isLeader(): boolean {
    return this.tabs?.isLeader ?? false;
  }

  start(): void {
    if (this.stopRun) return;
    const env = (this.options.environment ?? browserEnvironment)();
    const { store } = this;
    const url = this.options.webSocketUrl ?? defaultWebSocketUrl();
    const authLost = (reason: AuthLostReason, tellOtherTabs: boolean) => {
      if (!this.stopRun) return;
      if (tellOtherTabs) tabs.announceAuthLost(reason);
      this.stop();
      this.haltedByAuth = true;
      store.reset();
      this.campaigns.clear();
      store.setHealth({ kind: 'offline', retryAt: null });
      this.options.onAuthLost?.(reason);
    };

    // A follower's own poller is never started: it only answers refresh() when the leader is silent.
    const { fetchState } = this.options;
    const ownPoll = new SessionPoller({ store, clock: env.clock, fetchState });
    const lead = (): LeaderDuty => {
      const connection = new SessionConnection({ url, store, sessionId: store.sessionId, env, onAuthLost: (reason) => authLost(reason, true) });
      const poller = new SessionPoller({
        store,
        clock: env.clock,
        shouldPoll: () => tabs.anyTabVisible(),
        fetchState,
      });
      connection.start();
      poller.start();
      return {
        refresh: () => poller.refresh(),
        wake: () => connection.reconnectNow(),
        cleanup: () => {
          connection.cleanup();
          poller.cleanup();
        },
      };
    };
    const tabs = new SessionTabs({ store, env, lead, pollSelf: () => ownPoll.refresh(), onAuthLost: (reason) => authLost(reason, false) });
    const stopListening = onUnauthenticated(() => authLost('unauthenticated', true));
    this.tabs = tabs;
    this.stopRun = () => {
      stopListening();
      tabs.cleanup();
      ownPoll.cleanup();
      this.tabs = null;
    };
    tabs.start();
  }

  /** Closes the connection, leaves the leadership and removes every timer and listener. */
  stop(): void {
    this.haltedByAuth = false;
    const stopRun = this.stopRun;
    this.stopRun = null;
    stopRun?.();
  }

  /**
   * Fetches the state now (the seed's `refreshSession`). Never rejects: a failure shows
   * in `fetchError`. After a lost login it starts the client again first (call it once
   * the user has logged in); before `start()` it does nothing.
   */
  readonly refresh = (): Promise<void> => {
    if (this.haltedByAuth) {
      this.haltedByAuth = false;
      this.start();
    }
    return this.tabs?.refresh() ?? Promise.resolve();
  };
}
