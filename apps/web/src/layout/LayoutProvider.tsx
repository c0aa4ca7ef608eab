'use client';

import { createContext, useCallback, useContext, useLayoutEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import { DEFAULT_THEME, applyTheme, readStoredTheme, storeTheme } from './theme';
import type { Theme } from './theme';

/** Wider than this, the menu is a static column; narrower, an overlay. */
const OVERLAY_BREAKPOINT_PX = 992;

export interface LayoutContextValue {
  theme: Theme;
  setTheme(theme: Theme): void;
  /** Desktop: the static menu is collapsed. */
  menuHidden: boolean;
  /** Mobile: the overlay menu is open. */
  menuOpen: boolean;
  toggleMenu(): void;
  closeMenu(): void;
}

const LayoutContext = createContext<LayoutContextValue | null>(null);

export function LayoutProvider({ children }: { children: ReactNode }) {
  const [theme, setThemeState] = useState<Theme>(DEFAULT_THEME);
  const [menuHidden, setMenuHidden] = useState(false);
  const [menuOpen, setMenuOpen] = useState(false);

  // The boot script already applied the stored theme to the page; mirror it in state.
  useLayoutEffect(() => {
    const stored = readStoredTheme();
    if (stored) setThemeState(stored);
  }, []);

  const setTheme = useCallback((next: Theme) => {
    setThemeState(next);
    storeTheme(next);
    applyTheme(next);
  }, []);

  const toggleMenu = useCallback(() => {
    if (window.innerWidth >= OVERLAY_BREAKPOINT_PX) setMenuHidden((hidden) => !hidden);
    else setMenuOpen((open) => !open);
  }, []);

  const closeMenu = useCallback(() => setMenuOpen(false), []);

  const value = useMemo<LayoutContextValue>(
    () => ({ theme, setTheme, menuHidden, menuOpen, toggleMenu, closeMenu }),
    [theme, setTheme, menuHidden, menuOpen, toggleMenu, closeMenu],
  );
  return <LayoutContext.Provider value={value}>{children}</LayoutContext.Provider>;
}

export function useLayout(): LayoutContextValue {
  const value = useContext(LayoutContext);
  if (!value) throw new Error('useLayout() must be used inside <LayoutProvider>.');
  return value;
}
