'use client';

import { useEffect } from 'react';
import type { ReactNode } from 'react';
import { usePathname } from 'next/navigation';
import { useT } from '@/i18n';
import { AppTopbar } from './AppTopbar';
import { AppSidebar } from './AppSidebar';
import { useLayout } from './LayoutProvider';
import { SessionKnownNotice } from '@/components/session/SessionKnownNotice';

/** Sakai's shell: topbar, sidebar menu and the page. */
export function AppLayout({ children }: { children: ReactNode }) {
  const t = useT();
  const { menuHidden, menuOpen, closeMenu } = useLayout();
  const pathname = usePathname();

  // On a phone the menu is an overlay: following a link closes it.
  useEffect(() => {
    closeMenu();
  }, [pathname, closeMenu]);

  const classes = ['layout-wrapper', menuHidden ? 'layout-wrapper--menu-hidden' : '', menuOpen ? 'layout-wrapper--menu-open' : ''].filter(Boolean).join(' ');
  return (
    <div className={classes}>
      <a href="#main-content" className="skip-link">{t('app.skipToContent')}</a>
      <AppTopbar />
      <AppSidebar />
      <div className="layout-main">
        <main id="main-content" tabIndex={-1}>
          <SessionKnownNotice />
          {children}
        </main>
      </div>
      {menuOpen ? <div className="layout-mask" aria-hidden="true" onClick={closeMenu} /> : null}
    </div>
  );
}
