import type { SessionRestriction, SessionStatus } from '@wasla/protocol';
import type { SessionHealth, SessionSnapshot } from './store.js';

/**
 * What `useSession()` returns: the seed's fields first (`status, qrCode, isReady,
 * phoneNumber, lastUpdate, error, refreshSession, isLoading`), then the rest of the
 * state and the health of the browser's link.
 */
export interface SessionValue {
  /** The session's status; `'connecting'` until the first state arrives (see `isLoading`). */
  status: SessionStatus;
  qrCode: string | null;
  isReady: boolean;
  phoneNumber: string | null;
  lastUpdate: Date | null;
  /** Why the session is disconnected / failed / logged out; before any state, why it could not be fetched. */
  error: string | null;
  /** Fetches the state now; never rejects. */
  refreshSession: () => Promise<void>;
  isLoading: boolean;
  qrExpiresAt: string | null;
  pairingCode: string | null;
  errorCode: string | null;
  nextRetryAt: string | null;
  /** Set while WhatsApp has restricted the number (463): nothing is sent until a person lifts it. */
  restriction: SessionRestriction | null;
  epoch: number | null;
  rev: number | null;
  sessionId: string;
  health: SessionHealth;
  /**
   * Whether `status` (and the rest of the state) is known to be true now: false before
   * the first state, and while Wasla can't be reached. When false, the state is the last
   * one known, true as of `unknownSince`.
   */
  isKnown: boolean;
  /** Since when the state has not been known, while Wasla can't be reached; null otherwise. */
  unknownSince: Date | null;
}

/** Maps a snapshot to what components read. Pure; memoize with {@link createValueReader}. */
export function toSessionValue(snapshot: SessionSnapshot, sessionId: string, refreshSession: () => Promise<void>): SessionValue {
  const { state, health, isLoading, fetchError, unknownSince } = snapshot;
  return {
    status: state?.status ?? 'connecting',
    qrCode: state?.qrCode ?? null,
    isReady: state?.isReady ?? false,
    phoneNumber: state?.phoneNumber ?? null,
    lastUpdate: state ? new Date(state.lastUpdate) : null,
    error: state ? state.error : (fetchError?.message ?? null),
    refreshSession,
    isLoading,
    qrExpiresAt: state?.qrExpiresAt ?? null,
    pairingCode: state?.pairingCode ?? null,
    errorCode: state ? state.errorCode : (fetchError?.code ?? null),
    nextRetryAt: state?.nextRetryAt ?? null,
    restriction: state?.restriction ?? null,
    epoch: state?.epoch ?? null,
    rev: state?.rev ?? null,
    sessionId: state?.sessionId ?? sessionId,
    health,
    isKnown: state !== null && unknownSince === null,
    unknownSince: unknownSince === null ? null : new Date(unknownSince),
  };
}

/**
 * A `getSnapshot` for `useSyncExternalStore`: returns the same {@link SessionValue}
 * object while the store's snapshot is the same one (so `lastUpdate` keeps its Date).
 */
export function createValueReader(
  getSnapshot: () => SessionSnapshot,
  sessionId: string,
  refreshSession: () => Promise<void>,
): () => SessionValue {
  let lastSnapshot: SessionSnapshot | null = null;
  let lastValue: SessionValue | null = null;
  return () => {
    const snapshot = getSnapshot();
    if (snapshot !== lastSnapshot || !lastValue) {
      lastSnapshot = snapshot;
      lastValue = toSessionValue(snapshot, sessionId, refreshSession);
    }
    return lastValue;
  };
}

/**
 * `Object.is`, or for two plain objects / arrays: the same keys with `Object.is`-equal
 * values. So a selector may build `{ status, isReady }` without re-rendering every time.
 */
export function shallowEqual<T>(a: T, b: T): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  // A Date is compared by its time, not by identity: `lastUpdate` is rebuilt per snapshot.
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  const aKeys = Object.keys(a);
  if (aKeys.length !== Object.keys(b).length) return false;
  return aKeys.every((key) => Object.prototype.hasOwnProperty.call(b, key) && Object.is((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

/**
 * Memoizes `selector` over successive inputs (React's `useSyncExternalStoreWithSelector`
 * in miniature): the same input gives the same output, and an output equal to the
 * previous one (by `isEqual`) is replaced by the previous one, so `Object.is` sees no
 * change and nothing re-renders. `previous` seeds the memo with the value last
 * rendered, for when the selector function itself is new.
 */
export function memoizeSelector<T, S>(
  selector: (value: T) => S,
  isEqual: (a: S, b: S) => boolean = shallowEqual,
  previous?: { value: S } | null,
): (value: T) => S {
  let hasInput = false;
  let lastInput: T | undefined;
  let last: { value: S } | null = previous ?? null;
  return (input) => {
    if (hasInput && Object.is(input, lastInput) && last) return last.value;
    const next = selector(input);
    hasInput = true;
    lastInput = input;
    if (last && isEqual(last.value, next)) return last.value;
    last = { value: next };
    return next;
  };
}
