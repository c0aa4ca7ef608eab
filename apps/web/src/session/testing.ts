/**
 * Fakes for the session client's tests (Node has no DOM): states, a clock driven by
 * hand, and event targets that count their listeners. The fake browser (sockets,
 * channel, locks) is in testing-browser.ts.
 */
import type { CampaignProgress, Message, RecipientCounts, SessionState } from '@wasla/protocol';
import type { Clock, EventTargetLike } from './environment.js';

/** Lets queued microtasks and channel deliveries run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A state of the default session; `epoch` 1, `rev` 1, stopped, unless overridden. */
export function makeState(overrides: Partial<SessionState> = {}): SessionState {
  return {
    sessionId: 'default',
    epoch: 1,
    rev: 1,
    status: 'stopped',
    isReady: false,
    qrCode: null,
    qrExpiresAt: null,
    pairingCode: null,
    phoneNumber: null,
    lastUpdate: '2025-01-01T00:00:00.000Z',
    error: null,
    errorCode: null,
    nextRetryAt: null,
    restriction: null,
    ...overrides,
  };
}

/** An incoming message of the default session, unless overridden. */
export function makeMessage(overrides: Partial<Message> = {}): Message {
  return {
    id: 'in-1',
    sessionId: 'default',
    direction: 'in',
    peer: '+966551234567',
    text: 'Hello',
    status: 'read',
    error: null,
    errorCode: null,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** Live progress of campaign `c1` (10 recipients, running), with `counts` and `overrides` applied. */
export function makeProgress(counts: Partial<RecipientCounts> = {}, overrides: Partial<CampaignProgress> = {}): CampaignProgress {
  const sent = counts.sent ?? 0;
  return {
    campaignId: 'c1',
    sessionId: 'default',
    status: 'running',
    pause: null,
    waiting: null,
    counts: { total: 10, pending: 10 - sent, sent, delivered: 0, read: 0, failed: 0, skipped: 0, unknown: 0, ...counts },
    ratePerMinute: 4,
    etaSeconds: 60,
    at: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** A clock that moves only when the test says so. */
export class FakeClock implements Clock {
  private time = 1_000_000;
  private timers: Array<{ at: number; seq: number; callback: () => void }> = [];
  private seq = 0;

  now(): number {
    return this.time;
  }

  schedule(callback: () => void, ms: number): () => void {
    const timer = { at: this.time + ms, seq: (this.seq += 1), callback };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward without running timers: a laptop waking from sleep. */
  jump(ms: number): void {
    this.time += ms;
  }

  /** Moves time forward, running every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const next = [...this.timers].sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next || next.at > end) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.time = next.at;
      next.callback();
    }
    this.time = end;
  }
}

/** An event target that counts its listeners, so tests can check cleanup. */
export class FakeEvents implements EventTargetLike {
  private readonly listeners = new Map<string, Set<() => void>>();

  addEventListener(type: string, listener: () => void): void {
    const set = this.listeners.get(type) ?? new Set();
    set.add(listener);
    this.listeners.set(type, set);
  }

  removeEventListener(type: string, listener: () => void): void {
    this.listeners.get(type)?.delete(listener);
  }

  dispatch(type: string): void {
    for (const listener of [...(this.listeners.get(type) ?? [])]) listener();
  }

  get listenerCount(): number {
    return [...this.listeners.values()].reduce((sum, set) => sum + set.size, 0);
  }
}

/** The document of a fake tab. */
export class FakeDocument extends FakeEvents {
  visibilityState: 'visible' | 'hidden' = 'visible';

  setVisibility(state: 'visible' | 'hidden'): void {
    this.visibilityState = state;
    this.dispatch('visibilitychange');
  }
}
