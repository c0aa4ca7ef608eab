'use client';

import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import { useRouter } from 'next/navigation';
import { ApiError, apiFetch, onUnauthenticated } from '@/lib/api';
import { useI18n } from '@/i18n';
import { FullPageStatus } from '@/components/common/FullPageStatus';
import { useOnAuthLost } from './auth-lost';
import type { Me, Role, User } from './types';

export interface CurrentUserContextValue {
  me: Me;
  role: Role;
  isAdmin: boolean;
  /** Replaces the signed-in user after a profile change (e.g. the language). */
  updateUser(user: User): void;
}

const CurrentUserContext = createContext<CurrentUserContextValue | null>(null);

type LoadState = { kind: 'loading' } | { kind: 'ready'; me: Me } | { kind: 'error'; error: unknown } | { kind: 'signed_out' };

/**
 * Asks /api/auth/me who is signed in before rendering the app; sends the browser to
 * /login when the answer is 401, when any API call later answers 401, or when the
 * session library reports the login lost.
 */
export function CurrentUserProvider({ children }: { children: ReactNode }) {
  const router = useRouter();
  const { setLocale } = useI18n();
  const [state, setState] = useState<LoadState>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    apiFetch<Me>('/api/auth/me', { signal: controller.signal })
      .then((me) => {
        setState({ kind: 'ready', me });
        if (me.user) setLocale(me.user.locale);
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        const signedOut = error instanceof ApiError && error.status === 401;
        setState(signedOut ? { kind: 'signed_out' } : { kind: 'error', error });
      });
    return () => controller.abort();
  }, [attempt, setLocale]);

  const signOut = useCallback(() => setState({ kind: 'signed_out' }), []);
  useEffect(() => onUnauthenticated(signOut), [signOut]);
  useOnAuthLost((reason) => {
    // A refused Origin is a deployment problem, not a lost login: sending the user to
    // /login would only bounce them back here, so say what is wrong instead.
    if (reason === 'forbidden') setState({ kind: 'error', error: new ApiError('origin_refused', '', 403) });
    else signOut();
  });

  useEffect(() => {
    if (state.kind === 'signed_out') router.replace('/login');
  }, [state.kind, router]);

  const updateUser = useCallback((user: User) => {
    setState((current) => (current.kind === 'ready' ? { kind: 'ready', me: { ...current.me, user, name: user.name } } : current));
  }, []);

  const me = state.kind === 'ready' ? state.me : null;
  const value = useMemo<CurrentUserContextValue | null>(
    () => (me ? { me, role: me.role, isAdmin: me.role === 'admin', updateUser } : null),
    [me, updateUser],
  );

  if (state.kind === 'error') return <FullPageStatus error={state.error} onRetry={() => setAttempt((n) => n + 1)} />;
  if (!value) return <FullPageStatus />;
  return <CurrentUserContext.Provider value={value}>{children}</CurrentUserContext.Provider>;
}

export function useCurrentUser(): CurrentUserContextValue {
  const value = useContext(CurrentUserContext);
  if (!value) throw new Error('useCurrentUser() must be used inside <CurrentUserProvider>.');
  return value;
}
