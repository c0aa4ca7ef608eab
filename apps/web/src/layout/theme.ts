export const THEMES = ['light', 'dark'] as const;
export type Theme = (typeof THEMES)[number];
export const DEFAULT_THEME: Theme = 'light';
export const THEME_STORAGE_KEY = 'wasla.theme';
export const THEME_LINK_ID = 'theme-link';

/** The PrimeReact theme files copied into public/themes by scripts/copy-themes.mjs. */
export function themeHref(theme: Theme): string {
  return `/themes/lara-${theme}-indigo/theme.css`;
}

export function isTheme(value: unknown): value is Theme {
  return value === 'light' || value === 'dark';
}

export function readStoredTheme(): Theme | null {
  try {
    const stored = window.localStorage.getItem(THEME_STORAGE_KEY);
    return isTheme(stored) ? stored : null;
  } catch {
    return null;
  }
}

export function storeTheme(theme: Theme): void {
  try {
    window.localStorage.setItem(THEME_STORAGE_KEY, theme);
  } catch {
    // Without storage the theme lasts this visit only.
  }
}

/**
 * Swaps the stylesheet of <link id="theme-link"> (added by the boot script), as Sakai
 * does: the new link loads next to the old one, which goes once the new one applies, so
 * the page never shows without a theme in between.
 */
export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
  const current = document.getElementById(THEME_LINK_ID);
  const href = themeHref(theme);
  if (!(current instanceof HTMLLinkElement) || current.getAttribute('href') === href) return;
  document.getElementById(`${THEME_LINK_ID}-next`)?.remove();
  const next = current.cloneNode() as HTMLLinkElement;
  next.removeAttribute('blocking');
  next.id = `${THEME_LINK_ID}-next`;
  next.href = href;
  const swap = (): void => {
    current.remove();
    next.id = THEME_LINK_ID;
  };
  next.addEventListener('load', swap, { once: true });
  next.addEventListener('error', swap, { once: true });
  current.after(next);
}
