'use client';

import { createContext, useContext, useEffect, useRef } from 'react';
import type { AuthLostReason } from '@/lib/api';

/** A tiny signal: the session library reports "auth lost" at the root; the app shell listens. */
export interface AuthLostSignal {
  emit(reason: AuthLostReason): void;
  subscribe(listener: (reason: AuthLostReason) => void): () => void;
}

export function createAuthLostSignal(): AuthLostSignal {
  const listeners = new Set<(reason: AuthLostReason) => void>();
  return {
    emit: (reason) => listeners.forEach((listener) => listener(reason)),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export const AuthLostContext = createContext<AuthLostSignal | null>(null);

/**
 * Calls `listener` whenever the session library says the login is gone ('unauthenticated')
 * or this page's origin was refused ('forbidden').
 */
export function useOnAuthLost(listener: (reason: AuthLostReason) => void): void {
  const signal = useContext(AuthLostContext);
  if (!signal) throw new Error('useOnAuthLost() must be used inside <AuthLostContext.Provider>.');
  const latest = useRef(listener);
  useEffect(() => {
    latest.current = listener;
  });
  useEffect(() => signal.subscribe((reason) => latest.current(reason)), [signal]);
}
