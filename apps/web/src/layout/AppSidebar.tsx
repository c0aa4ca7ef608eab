'use client';

import { AppMenu } from './AppMenu';

/** The menu column: on the start side of the page (left in English, right in Arabic). */
export function AppSidebar() {
  return (
    <aside className="layout-sidebar" id="app-sidebar">
      <AppMenu />
    </aside>
  );
}
