'use client';

import { createContext, createElement, useEffect, useMemo, useRef } from 'react';
import type { ReactNode } from 'react';
import { DEFAULT_SESSION_ID } from '@wasla/protocol';
import type { AuthLostReason } from '../lib/api.js';
import { createSessionActions } from './actions.js';
import type { SessionActions } from './actions.js';
import { SessionClient } from './client.js';
import { createValueReader } from './select.js';
import type { SessionValue } from './select.js';

/** What the hooks read from the provider. */
export interface SessionContextValue {
  client: SessionClient;
  actions: SessionActions;
  readValue: () => SessionValue;
}

// No default: a hook outside the provider must fail loudly, not read an empty object.
export const SessionContext = createContext<SessionContextValue | null>(null);

export interface SessionProviderProps {
  children: ReactNode;
  /** Which WhatsApp session the pages below show; the seed's single session by default. */
  sessionId?: string;
  /**
   * The login is gone (the WebSocket closed 4401 / 4403, or an API call answered 401).
   * The session client has stopped and forgotten the state by then: send the user to
   * the login page, and call `refreshSession()` once they are back in to restart it.
   */
  onAuthLost?: (reason: AuthLostReason) => void;
  /** Defaults to `/ws` on this page's host. */
  webSocketUrl?: string;
  /**
   * False where nobody is logged in (the login page): the client stays stopped, so it
   * neither polls nor opens a socket only to be refused. Default true.
   */
  enabled?: boolean;
}

/**
 * The one place the dashboard gets the session from: put it once around the
 * authenticated pages and read it with `useSession()`. It opens (at most) one
 * WebSocket per browser and the backup poll; pages never do either themselves.
 */
export function SessionProvider({ children, sessionId = DEFAULT_SESSION_ID, onAuthLost, webSocketUrl, enabled = true }: SessionProviderProps) {
  // The latest callback, without restarting the connection when the parent re-renders.
  const onAuthLostRef = useRef(onAuthLost);
  useEffect(() => {
    onAuthLostRef.current = onAuthLost;
  }, [onAuthLost]);

  // Building a client does no I/O, so StrictMode's second render can throw one away.
  const value = useMemo<SessionContextValue>(() => {
    const client = new SessionClient({
      sessionId,
      ...(webSocketUrl ? { webSocketUrl } : {}),
      onAuthLost: (reason) => onAuthLostRef.current?.(reason),
    });
    return { client, actions: createSessionActions(client.store), readValue: createValueReader(client.store.getSnapshot, sessionId, client.refresh) };
  }, [sessionId, webSocketUrl]);

  useEffect(() => {
    if (!enabled) return undefined;
    value.client.start();
    return () => value.client.stop();
  }, [value, enabled]);

  // createElement, not JSX: the tests run this file through tsx from the repository
  // root, whose tsconfig has no JSX setting, and the output is the same.
  return createElement(SessionContext.Provider, { value }, children);
}
