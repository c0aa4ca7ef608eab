'use client';

import { createContext, useCallback, useContext, useRef } from 'react';
import type { ReactNode } from 'react';
import { Toast } from 'primereact/toast';
import { useI18n } from '@/i18n';

export interface Notice {
  severity: 'success' | 'info' | 'warn' | 'error';
  summary: string;
  detail?: string;
}

const NotifyContext = createContext<((notice: Notice) => void) | null>(null);

/** One Toast for the app; it sits on the reading end of the page (right in English, left in Arabic). */
export function ToastProvider({ children }: { children: ReactNode }) {
  const toast = useRef<Toast>(null);
  const { dir } = useI18n();
  const notify = useCallback((notice: Notice) => {
    toast.current?.show({ ...notice, life: notice.severity === 'error' ? 8000 : 4000 });
  }, []);
  return (
    <NotifyContext.Provider value={notify}>
      <Toast ref={toast} position={dir === 'rtl' ? 'top-left' : 'top-right'} />
      {children}
    </NotifyContext.Provider>
  );
}

export function useNotify(): (notice: Notice) => void {
  const notify = useContext(NotifyContext);
  if (!notify) throw new Error('useNotify() must be used inside <ToastProvider>.');
  return notify;
}
