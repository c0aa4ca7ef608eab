import { isNewerState } from '@wasla/protocol';
import type { CampaignProgress, Message, MessageStatusEvent, SenderIdentified, SessionState } from '@wasla/protocol';

/** Where a state came from. Every source goes through the same `(epoch, rev)` check. */
export type SessionSource = 'ws' | 'poll' | 'tab' | 'action';

/**
 * The browser's link to the server (not WhatsApp's link to the phone: that is
 * `state.status`).
 * - `connecting`: the first attempt is under way;
 * - `live`: the WebSocket is open and pushing changes;
 * - `reconnecting`: it dropped; the next attempt is at `retryAt` (epoch ms), or under way when null;
 * - `offline`: no attempt is scheduled: the browser is offline, or the server refused
 *   the login (see `onAuthLost`).
 */
export interface SessionHealth {
  readonly kind: 'connecting' | 'live' | 'reconnecting' | 'offline';
  readonly retryAt: number | null;
}

/** Why the last fetch of the state failed; plain data so it crosses tabs. */
export interface SessionFetchError {
  readonly code: string;
  readonly message: string;
}

/** Everything the UI reads, as one immutable value; a new object only when something changed. */
export interface SessionSnapshot {
  readonly state: Readonly<SessionState> | null;
  /** The channel that delivered `state` (for debugging: every channel obeys the same rule). */
  readonly source: SessionSource | null;
  readonly health: SessionHealth;
  /** True until the first state arrives, or the first attempt to get one fails. */
  readonly isLoading: boolean;
  readonly fetchError: SessionFetchError | null;
  /**
   * Since when (epoch ms) this page can't tell whether `state` is still true: the link to
   * Wasla dropped (or never came up) and no fetch has confirmed the state since. Null while
   * the state is known: the WebSocket is live, or the last fetch succeeded.
   */
  readonly unknownSince: number | null;
}

/** The changes a snapshot can go through, one reducer for all of them. */
export type SessionAction =
  | { type: 'state'; state: SessionState; source: SessionSource }
  | { type: 'health'; health: SessionHealth; at: number }
  | { type: 'fetchError'; error: SessionFetchError | null; at: number }
  /** The leading tab's `unknownSince`, so every tab says the same "since when". */
  | { type: 'unknownSince'; unknownSince: number | null }
  /** Forget everything: the login changed, and the next user may not see what the last one did. */
  | { type: 'reset' };

export const INITIAL_SNAPSHOT: SessionSnapshot = Object.freeze({
  state: null,
  source: null,
  health: Object.freeze({ kind: 'connecting', retryAt: null }),
  isLoading: true,
  fetchError: null,
  unknownSince: null,
});

/** The link can't carry news now: what was shown may have changed unseen. */
const LINK_DOWN: ReadonlySet<SessionHealth['kind']> = new Set(['reconnecting', 'offline']);

function withUnknownSince(snapshot: SessionSnapshot, unknownSince: number | null): SessionSnapshot {
  return snapshot.unknownSince === unknownSince ? snapshot : Object.freeze({ ...snapshot, unknownSince });
}

/**
 * The pure reducer: returns `snapshot` itself when the action changes nothing, which is
 * what lets `useSyncExternalStore` skip renders. A state is taken only when it is newer
 * by `(epoch, rev)`, so a late poll never rolls the UI back.
 */
export function reduceSession(snapshot: SessionSnapshot, action: SessionAction): SessionSnapshot {
  switch (action.type) {
    case 'state':
      if (!isNewerState(action.state, snapshot.state)) return snapshot;
      return Object.freeze({ ...snapshot, state: Object.freeze({ ...action.state }), source: action.source, isLoading: false });
    case 'health': {
      const { kind, retryAt } = action.health;
      // Live: every change is pushed, so the state is the truth. Down: it was the truth
      // until now, and nobody can say for how much longer.
      const unknownSince = kind === 'live' ? null : LINK_DOWN.has(kind) ? (snapshot.unknownSince ?? action.at) : snapshot.unknownSince;
      if (snapshot.health.kind === kind && snapshot.health.retryAt === retryAt) return withUnknownSince(snapshot, unknownSince);
      return Object.freeze({ ...snapshot, health: Object.freeze({ kind, retryAt }), unknownSince });
    }
    case 'fetchError': {
      const error = action.error;
      const same = error === null ? snapshot.fetchError === null : snapshot.fetchError?.code === error.code && snapshot.fetchError.message === error.message;
      // A failure before any state ends the loading: the UI shows the error, not a spinner.
      const isLoading = snapshot.isLoading && error === null;
      // A fetch that succeeded confirms the state (the poll backs up a dropped socket);
      // one that failed while the socket is down too leaves nothing to go by.
      const unknownSince = error === null ? null : snapshot.health.kind === 'live' ? snapshot.unknownSince : (snapshot.unknownSince ?? action.at);
      if (same && isLoading === snapshot.isLoading) return withUnknownSince(snapshot, unknownSince);
      return Object.freeze({ ...snapshot, isLoading, unknownSince, fetchError: error && Object.freeze({ code: error.code, message: error.message }) });
    }
    case 'unknownSince':
      return withUnknownSince(snapshot, action.unknownSince);
    case 'reset':
      return snapshot === INITIAL_SNAPSHOT ? snapshot : INITIAL_SNAPSHOT;
  }
}

type Listener = () => void;

/**
 * What the server pushes besides the session's state. These are events, not state:
 * the store passes them on to whoever listens and keeps none of them.
 */
export interface SessionEventMap {
  /** A delivery update of a message: sent → delivered → read, or failed. */
  message_status: MessageStatusEvent;
  /** A message someone sent to the linked number. */
  message_received: Message;
  /** A sender known only by its LID is now known by its number. */
  sender_identified: SenderIdentified;
  /** A campaign's live counts, rate, ETA and what it waits for. */
  campaign_progress: CampaignProgress;
}
export type SessionEventType = keyof SessionEventMap;
export type SessionEventListener<K extends SessionEventType> = (event: SessionEventMap[K]) => void;
export const SESSION_EVENT_TYPES = ['message_status', 'message_received', 'sender_identified', 'campaign_progress'] as const satisfies readonly SessionEventType[];

type EventListeners = { [K in SessionEventType]: Set<SessionEventListener<K>> };

/**
 * The browser's one copy of a session's state (TanStack Query's framework-free core):
 * the WebSocket, the poll, other tabs and the session actions all write through
 * {@link apply}; React reads it through `subscribe` / `getSnapshot`.
 */
export class SessionStore {
  private snapshot: SessionSnapshot = INITIAL_SNAPSHOT;
  private readonly listeners = new Set<Listener>();
  private readonly eventListeners: EventListeners = { message_status: new Set(), message_received: new Set(), sender_identified: new Set(), campaign_progress: new Set() };

  constructor(readonly sessionId: string) {}

  /** The current snapshot: the same object until something changes. */
  readonly getSnapshot = (): SessionSnapshot => this.snapshot;

  /** Calls `listener` after every change; returns the unsubscribe function. */
  readonly subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  /**
   * Takes `state` only if it belongs to this session and is newer than the one held.
   * Returns whether it was taken; the rule is the same whatever the `source`.
   */
  apply(state: SessionState, source: SessionSource): boolean {
    if (state.sessionId !== this.sessionId) return false;
    return this.dispatch({ type: 'state', state, source });
  }

  /** `at`: when it happened (epoch ms), for `unknownSince`. */
  setHealth(health: SessionHealth, at: number = Date.now()): void {
    this.dispatch({ type: 'health', health, at });
  }

  setFetchError(error: SessionFetchError | null, at: number = Date.now()): void {
    this.dispatch({ type: 'fetchError', error, at });
  }

  /** Takes the leading tab's `unknownSince` as it is. */
  setUnknownSince(unknownSince: number | null): void {
    this.dispatch({ type: 'unknownSince', unknownSince });
  }

  /**
   * Back to the first snapshot. After a lost login the held state may carry the QR of
   * an admin, and an operator logging in next gets the same `(epoch, rev)` redacted:
   * being "not newer", it would never replace it.
   */
  reset(): void {
    this.dispatch({ type: 'reset' });
  }

  /** Runs an action through the reducer; true when the snapshot changed. */
  dispatch(action: SessionAction): boolean {
    const next = reduceSession(this.snapshot, action);
    if (next === this.snapshot) return false;
    this.snapshot = next;
    for (const listener of [...this.listeners]) listener();
    return true;
  }

  /** Calls `listener` for every `type` event of this session until the returned function is called. */
  on<K extends SessionEventType>(type: K, listener: SessionEventListener<K>): () => void {
    const listeners: Set<SessionEventListener<K>> = this.eventListeners[type];
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }

  /** Passes a live event to its listeners (from the WebSocket, or from the leading tab). */
  emit<K extends SessionEventType>(type: K, event: SessionEventMap[K]): void {
    const listeners: Set<SessionEventListener<K>> = this.eventListeners[type];
    for (const listener of [...listeners]) listener(event);
  }
}
