import type { ReactNode } from 'react';

/** Pages outside the app shell (login): centred on the page, no menu. */
export default function FullPageLayout({ children }: { children: ReactNode }) {
  return <div className="full-page">{children}</div>;
}
