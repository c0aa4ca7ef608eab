import type { ReactNode } from 'react';

/** Nothing to show yet: an icon, a sentence, and what to do about it. */
export function EmptyState({ icon, text, children }: { icon: string; text: string; children?: ReactNode }) {
  return (
    <div className="empty-state">
      <i className={`pi ${icon} empty-state__icon`} aria-hidden="true" />
      <p className="empty-state__text">{text}</p>
      {children}
    </div>
  );
}
