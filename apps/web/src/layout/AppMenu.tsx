'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useT } from '@/i18n';
import type { MessageKey } from '@/i18n';

interface MenuItem {
  label: MessageKey;
  icon: string;
  to: string;
}

interface MenuSection {
  label: MessageKey;
  items: MenuItem[];
}

/** The app's pages. */
const MENU: MenuSection[] = [
  {
    label: 'menu.home',
    items: [
      { label: 'menu.dashboard', icon: 'pi-home', to: '/' },
      { label: 'menu.messages', icon: 'pi-comments', to: '/messages' },
      { label: 'menu.campaigns', icon: 'pi-megaphone', to: '/campaigns' },
      { label: 'menu.reports', icon: 'pi-chart-bar', to: '/reports' },
      { label: 'menu.settings', icon: 'pi-cog', to: '/settings' },
    ],
  },
];

const trim = (path: string) => (path.length > 1 ? path.replace(/\/+$/, '') : path);

/** "/messages/" (static export) and "/messages" are the same page; "/campaigns/view/" is under "/campaigns". */
function isActive(pathname: string, to: string): boolean {
  const path = trim(pathname);
  const item = trim(to);
  return path === item || (item !== '/' && path.startsWith(`${item}/`));
}

export function AppMenu() {
  const t = useT();
  const pathname = usePathname();
  return (
    <nav aria-label={t('menu.label')}>
      <ul className="layout-menu">
        {MENU.map((section) => (
          <li key={section.label} className="layout-menu__section">
            <span className="layout-menu__section-label">{t(section.label)}</span>
            <ul>
              {section.items.map((item) => {
                const active = isActive(pathname, item.to);
                return (
                  <li key={item.to}>
                    <Link href={item.to} className={`layout-menu__link${active ? ' layout-menu__link--active' : ''}`} aria-current={active ? 'page' : undefined}>
                      <i className={`pi ${item.icon}`} aria-hidden="true" />
                      <span>{t(item.label)}</span>
                    </Link>
                  </li>
                );
              })}
            </ul>
          </li>
        ))}
      </ul>
    </nav>
  );
}
