import type { AuthLostReason } from '../lib/api.js';
import { Cleanup, isPageVisible } from './environment.js';
import type { ChannelLike, ChannelMessage, SessionEnvironment } from './environment.js';
import type { SessionStore } from './store.js';
import { tabMessageSchema, tabNames } from './tab-messages.js';
import type { TabMessage } from './tab-messages.js';

/** How long a follower waits for the leader to answer a refresh before polling itself. */
export const FOLLOWER_REFRESH_TIMEOUT_MS = 2000;

/** What the leading tab runs (the WebSocket and the poll), started when it wins the lock. */
export interface LeaderDuty {
  refresh(): Promise<void>;
  /** Someone can see the session now: reconnect at once if the socket is down. */
  wake(): void;
  cleanup(): void;
}

export interface SessionTabsOptions {
  store: SessionStore;
  env: Pick<SessionEnvironment, 'locks' | 'BroadcastChannel' | 'clock' | 'random' | 'document' | 'window'>;
  /** Starts the leader's work; called once, when this tab becomes the leader. */
  lead(): LeaderDuty;
  /** A follower's own fetch, when the leader doesn't answer a refresh. */
  pollSelf(): Promise<void>;
  /** The leader reported the login gone (4401/4403). */
  onAuthLost(reason: AuthLostReason): void;
  refreshTimeoutMs?: number;
}

/**
 * One WebSocket per browser, not per tab. The tab holding the Web Lock leads: it runs
 * the {@link LeaderDuty} and posts every change over a BroadcastChannel; the others
 * follow, applying what they receive (source 'tab') and re-emitting its live events. The lock request of every follower
 * stays queued, so when the leader closes the browser grants it to the next tab, which
 * starts its own connection. Without Web Locks or BroadcastChannel every tab leads.
 */
export class SessionTabs {
  private readonly cleanupAll = new Cleanup();
  private readonly tabId: string;
  private readonly visibleFollowers = new Set<string>();
  private readonly pendingRefreshes = new Map<string, () => void>();
  private role: 'idle' | 'follower' | 'leader' | 'stopped' = 'idle';
  private channel: ChannelLike | null = null;
  private duty: LeaderDuty | null = null;
  private requestCount = 0;

  constructor(private readonly options: SessionTabsOptions) {
    this.tabId = `${Date.now().toString(36)}-${Math.floor(options.env.random() * 2 ** 48).toString(36)}`;
  }

  get isLeader(): boolean {
    return this.role === 'leader';
  }

  start(): void {
    if (this.role !== 'idle') return;
    const { locks, BroadcastChannel, document, window } = this.options.env;
    if (!locks || !BroadcastChannel) return this.becomeLeader();

    const names = tabNames(this.options.store.sessionId);
    const channel = new BroadcastChannel(names.channel);
    const onMessage = (event: ChannelMessage) => this.receive(event.data);
    channel.addEventListener('message', onMessage);
    this.channel = channel;
    this.cleanupAll.add(() => {
      channel.removeEventListener('message', onMessage);
      channel.close();
      this.channel = null;
    });
    this.role = 'follower';
    this.sayHello();
    if (document) this.cleanupAll.listen(document, 'visibilitychange', () => this.followerSays({ type: 'visibility', tabId: this.tabId, visible: isPageVisible(document) }));
    if (window) {
      // A closed tab runs no React cleanup; pagehide is its last word.
      this.cleanupAll.listen(window, 'pagehide', () => this.followerSays({ type: 'bye', tabId: this.tabId }));
      this.cleanupAll.listen(window, 'pageshow', () => this.sayHello());
    }

    const request = new AbortController();
    this.cleanupAll.add(() => request.abort());
    locks
      .request(names.lock, { signal: request.signal }, () => {
        if (this.role !== 'follower') return Promise.resolve();
        this.becomeLeader();
        // Held until cleanup: the lock is the leadership.
        return new Promise<void>((release) => this.cleanupAll.add(release));
      })
      .catch(() => {
        // Aborted by cleanup before it was granted: nothing to release.
      });
  }

  /** True when any tab of this session is visible: the leader may be in the background. */
  anyTabVisible(): boolean {
    return isPageVisible(this.options.env.document) || this.visibleFollowers.size > 0;
  }

  /**
   * Fetches the state now. The leader polls; a follower asks the leader and falls back
   * to its own fetch after {@link FOLLOWER_REFRESH_TIMEOUT_MS}. Never rejects.
   */
  refresh(): Promise<void> {
    if (this.duty) return this.duty.refresh();
    if (this.role !== 'follower') return this.role === 'stopped' ? Promise.resolve() : this.options.pollSelf();
    const requestId = `${this.tabId}:${(this.requestCount += 1)}`;
    return new Promise<void>((resolve) => {
      const cancelTimer = this.cleanupAll.schedule(this.options.env.clock, () => {
        this.pendingRefreshes.delete(requestId);
        void this.options.pollSelf().then(resolve);
      }, this.options.refreshTimeoutMs ?? FOLLOWER_REFRESH_TIMEOUT_MS);
      this.pendingRefreshes.set(requestId, () => {
        cancelTimer();
        resolve();
      });
      this.post({ type: 'refresh', tabId: this.tabId, requestId });
    });
  }

  /** Tells the followers the login is gone, so they stop too instead of taking over. */
  announceAuthLost(reason: AuthLostReason): void {
    if (this.role === 'leader') this.post({ type: 'auth_lost', reason });
  }

  /** Leaves: releases the lock (or the lock request), closes the channel, stops the duty. */
  cleanup(): void {
    this.followerSays({ type: 'bye', tabId: this.tabId });
    this.role = 'stopped';
    for (const settle of this.pendingRefreshes.values()) settle();
    this.pendingRefreshes.clear();
    this.cleanupAll.run();
  }

  private becomeLeader(): void {
    this.role = 'leader';
    const { store } = this.options;
    // Followers that were waiting on the old leader's answer get this one's.
    const waiting = [...this.pendingRefreshes.values()];
    this.pendingRefreshes.clear();
    const duty = this.options.lead();
    this.duty = duty;
    this.cleanupAll.add(() => {
      this.duty = null;
      duty.cleanup();
    });
    if (waiting.length > 0) void duty.refresh().then(() => waiting.forEach((settle) => settle()));
    if (!this.channel) return;
    this.cleanupAll.add(store.subscribe(() => this.postSync()));
    // Live events are not in the synced snapshot: each one is passed on as it comes.
    this.cleanupAll.add(store.on('message_status', (event) => this.post({ type: 'message_status', event })));
    this.cleanupAll.add(store.on('message_received', (event) => this.post({ type: 'message_received', event })));
    this.cleanupAll.add(store.on('sender_identified', (event) => this.post({ type: 'sender_identified', event })));
    this.cleanupAll.add(store.on('campaign_progress', (event) => this.post({ type: 'campaign_progress', event })));
    this.post({ type: 'leader' });
    this.postSync();
  }

  private receive(data: unknown): void {
    const parsed = tabMessageSchema.safeParse(data);
    if (!parsed.success) return;
    if (this.role === 'leader') this.leaderHears(parsed.data);
    else if (this.role === 'follower') this.followerHears(parsed.data);
  }

  private leaderHears(message: TabMessage): void {
    switch (message.type) {
      case 'hello':
      case 'visibility':
        if (!message.visible) this.visibleFollowers.delete(message.tabId);
        else if (!this.visibleFollowers.has(message.tabId)) {
          this.visibleFollowers.add(message.tabId);
          this.duty?.wake();
        }
        if (message.type === 'hello') this.postSync();
        return;
      case 'bye':
        this.visibleFollowers.delete(message.tabId);
        return;
      case 'refresh':
        void this.duty?.refresh().then(() => this.post({ type: 'refreshed', requestId: message.requestId }));
        return;
      default:
        return; // another leader's words: only possible in the instant the lock changes hands
    }
  }

  private followerHears(message: TabMessage): void {
    const { store } = this.options;
    switch (message.type) {
      case 'sync':
        if (message.state) store.apply(message.state, 'tab');
        store.setHealth(message.health);
        store.setFetchError(message.fetchError);
        store.setUnknownSince(message.unknownSince);
        return;
      case 'message_status':
        store.emit('message_status', message.event);
        return;
      case 'message_received':
        store.emit('message_received', message.event);
        return;
      case 'sender_identified':
        store.emit('sender_identified', message.event);
        return;
      case 'campaign_progress':
        store.emit('campaign_progress', message.event);
        return;
      case 'refreshed':
        this.pendingRefreshes.get(message.requestId)?.();
        this.pendingRefreshes.delete(message.requestId);
        return;
      case 'leader':
        // A new leader knows nothing about us yet: tell it whether we are visible.
        return this.sayHello();
      case 'auth_lost':
        return this.options.onAuthLost(message.reason);
      default:
        return; // other followers' words are for the leader
    }
  }

  private sayHello(): void {
    this.followerSays({ type: 'hello', tabId: this.tabId, visible: isPageVisible(this.options.env.document) });
  }

  private followerSays(message: TabMessage): void {
    if (this.role === 'follower') this.post(message);
  }

  private postSync(): void {
    const { state, health, fetchError, unknownSince } = this.options.store.getSnapshot();
    this.post({ type: 'sync', state, health, fetchError, unknownSince });
  }

  private post(message: TabMessage): void {
    this.channel?.postMessage(message);
  }
}
