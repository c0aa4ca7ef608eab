'use client';

import type { ReactNode } from 'react';
import { CurrentUserProvider } from '@/auth/CurrentUserProvider';
import { ToastProvider } from '@/components/common/ToastProvider';
import { AppLayout } from '@/layout/AppLayout';

/** The signed-in app: nothing renders until /api/auth/me says who is here. */
export default function MainLayout({ children }: { children: ReactNode }) {
  return (
    <CurrentUserProvider>
      <ToastProvider>
        <AppLayout>{children}</AppLayout>
      </ToastProvider>
    </CurrentUserProvider>
  );
}
