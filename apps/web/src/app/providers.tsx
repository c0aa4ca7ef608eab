'use client';

import { useState } from 'react';
import { usePathname } from 'next/navigation';
import type { ReactNode } from 'react';
import { PrimeReactProvider } from 'primereact/api';
import type { APIOptions } from 'primereact/api';
import { SessionProvider } from '@/session';
import { I18nProvider } from '@/i18n';
import { LayoutProvider } from '@/layout/LayoutProvider';
import { AuthLostContext, createAuthLostSignal } from '@/auth/auth-lost';

const PRIME_OPTIONS: Partial<APIOptions> = { ripple: true };

/**
 * The seed's provider stack: one SessionProvider for the whole app, so every page,
 * card and tab reads the same session through useSession().
 */
export function Providers({ children }: { children: ReactNode }) {
  const [authLost] = useState(createAuthLostSignal);
  // Nobody is logged in on the login page: the session client waits until they are.
  const onLoginPage = (usePathname() ?? '').startsWith('/login');
  return (
    <PrimeReactProvider value={PRIME_OPTIONS}>
      <I18nProvider>
        <AuthLostContext.Provider value={authLost}>
          <SessionProvider onAuthLost={authLost.emit} enabled={!onLoginPage}>
            <LayoutProvider>{children}</LayoutProvider>
          </SessionProvider>
        </AuthLostContext.Provider>
      </I18nProvider>
    </PrimeReactProvider>
  );
}
