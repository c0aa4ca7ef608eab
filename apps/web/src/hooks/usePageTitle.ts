import { useEffect } from 'react';
import { useT } from '@/i18n';

/** "Messages · Wasla" in the tab, in the user's language. */
export function usePageTitle(title: string): void {
  const t = useT();
  const app = t('app.name');
  useEffect(() => {
    document.title = `${title} · ${app}`;
  }, [title, app]);
}
