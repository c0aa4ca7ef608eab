import { useCallback, useEffect, useReducer, useRef } from 'react';
import type { Page } from '@/lib/campaigns';

export interface CursorListState<T> {
  phase: 'loading' | 'ready' | 'error';
  items: T[];
  nextCursor: string | null;
  error: unknown;
  loadingMore: boolean;
  moreError: unknown;
  /** Loading again with the old items still on screen. */
  refreshing: boolean;
}

type Action<T> =
  | { type: 'load'; keep: boolean }
  | { type: 'loaded'; page: Page<T> }
  | { type: 'load_failed'; error: unknown }
  | { type: 'load_more' }
  | { type: 'more_loaded'; page: Page<T>; key: (item: T) => string }
  | { type: 'more_failed'; error: unknown };

function initial<T>(): CursorListState<T> {
  return { phase: 'loading', items: [], nextCursor: null, error: null, loadingMore: false, moreError: null, refreshing: false };
}

function reducer<T>(state: CursorListState<T>, action: Action<T>): CursorListState<T> {
  switch (action.type) {
    case 'load':
      return action.keep && state.phase === 'ready' ? { ...state, refreshing: true } : initial<T>();
    case 'loaded':
      return { ...initial<T>(), phase: 'ready', items: action.page.items, nextCursor: action.page.nextCursor };
    case 'load_failed':
      return { ...state, phase: 'error', error: action.error, refreshing: false };
    case 'load_more':
      return { ...state, loadingMore: true, moreError: null };
    case 'more_loaded': {
      const known = new Set(state.items.map(action.key));
      const more = action.page.items.filter((item) => !known.has(action.key(item)));
      return { ...state, loadingMore: false, items: [...state.items, ...more], nextCursor: action.page.nextCursor };
    }
    case 'more_failed':
      return { ...state, loadingMore: false, moreError: action.error };
  }
}

export interface CursorList<T> {
  state: CursorListState<T>;
  /** Loads the first page again; `keep` leaves the current items on screen meanwhile. */
  reload(options?: { keep?: boolean }): void;
  loadMore(): void;
}

/**
 * A cursor-paginated list: the first page on mount and whenever `queryKey` changes,
 * further pages appended on `loadMore()` (without duplicates, by `key`).
 */
export function useCursorList<T>(fetchPage: (cursor: string | null, signal: AbortSignal) => Promise<Page<T>>, key: (item: T) => string, queryKey: string): CursorList<T> {
  const [state, dispatch] = useReducer(reducer<T>, undefined, initial<T>);
  const [attempt, bump] = useReducer((n: number) => n + 1, 0);
  const keepNext = useRef(false);
  const fetchRef = useRef(fetchPage);
  const keyRef = useRef(key);
  useEffect(() => {
    fetchRef.current = fetchPage;
    keyRef.current = key;
  });

  useEffect(() => {
    const controller = new AbortController();
    dispatch({ type: 'load', keep: keepNext.current });
    keepNext.current = false;
    fetchRef.current(null, controller.signal)
      .then((page) => dispatch({ type: 'loaded', page }))
      .catch((error: unknown) => {
        if (!controller.signal.aborted) dispatch({ type: 'load_failed', error });
      });
    return () => controller.abort();
  }, [queryKey, attempt]);

  const next = state.nextCursor;
  const loadMore = useCallback(() => {
    if (!next) return;
    dispatch({ type: 'load_more' });
    fetchRef.current(next, new AbortController().signal)
      .then((page) => dispatch({ type: 'more_loaded', page, key: keyRef.current }))
      .catch((error: unknown) => dispatch({ type: 'more_failed', error }));
  }, [next]);

  const reload = useCallback((options: { keep?: boolean } = {}) => {
    keepNext.current = options.keep ?? false;
    bump();
  }, []);

  return { state, reload, loadMore };
}
