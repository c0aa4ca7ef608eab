'use client';

import { useContext, useEffect, useMemo, useRef, useSyncExternalStore } from 'react';
import type { MessageStatusEvent } from '@wasla/protocol';
import type { SessionActions } from './actions.js';
import { memoizeSelector, shallowEqual } from './select.js';
import type { SessionValue } from './select.js';
import { SessionContext } from './SessionProvider.js';
import type { SessionContextValue } from './SessionProvider.js';

function useSessionContext(hook: string): SessionContextValue {
  const context = useContext(SessionContext);
  if (!context) throw new Error(`${hook} must be used inside <SessionProvider>`);
  return context;
}

/**
 * The session, as every page sees it. Without arguments: the seed's fields (`status,
 * qrCode, isReady, phoneNumber, lastUpdate, error, refreshSession, isLoading`), the
 * rest of the state and `health`; the component re-renders on any change.
 *
 * With a selector, it re-renders only when the selected value changes (compared with
 * `isEqual`, shallow by default, so `s => ({ status: s.status, isReady: s.isReady })`
 * is fine):
 *
 *     const status = useSession((s) => s.status);
 */
export function useSession(): SessionValue;
export function useSession<S>(selector: (session: SessionValue) => S, isEqual?: (a: S, b: S) => boolean): S;
export function useSession<S>(selector?: (session: SessionValue) => S, isEqual: (a: S, b: S) => boolean = shallowEqual): S | SessionValue {
  const { client, readValue } = useSessionContext('useSession');
  // The value last rendered, so a new selector function (an inline arrow) that
  // selects an equal value hands back the same object instead of looping.
  const rendered = useRef<{ value: S } | null>(null);
  const getSelection = useMemo((): (() => S | SessionValue) => {
    if (!selector) return readValue;
    const select = memoizeSelector(selector, isEqual, rendered.current);
    return () => select(readValue());
  }, [readValue, selector, isEqual]);
  const value = useSyncExternalStore(client.store.subscribe, getSelection, getSelection);
  useEffect(() => {
    if (selector) rendered.current = { value: value as S };
  });
  return value;
}

/** `start, stop, restart, logout, requestPairingCode`: each throws `ApiError` for the UI to show. */
export function useSessionActions(): SessionActions {
  return useSessionContext('useSessionActions').actions;
}

/**
 * Calls `listener` for every live delivery update (sent → delivered → read, or
 * failed) of the session's messages, while the component is mounted.
 */
export function useMessageStatus(listener: (event: MessageStatusEvent) => void): void {
  const { client } = useSessionContext('useMessageStatus');
  const latest = useRef(listener);
  useEffect(() => {
    latest.current = listener;
  });
  useEffect(() => client.store.onMessageStatus((event) => latest.current(event)), [client]);
}
