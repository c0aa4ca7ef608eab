import { useCallback, useEffect, useRef, useState } from 'react';
import { apiFetch } from '@/lib/api';

export type Resource<T> =
  | { kind: 'loading' }
  | { kind: 'ready'; data: T; refreshing: boolean }
  | { kind: 'error'; error: unknown };

/**
 * Runs `load` and keeps its answer. It loads again when `key` changes or on `reload()`;
 * while it does, the previous answer stays on screen (`refreshing`). A load that a newer
 * one replaced is aborted and its answer dropped.
 */
export function useAsyncResource<T>(load: (signal: AbortSignal) => Promise<T>, key: string): { resource: Resource<T>; reload(): void; setData(update: (data: T) => T): void } {
  const [resource, setResource] = useState<Resource<T>>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const latest = useRef(load);
  useEffect(() => {
    latest.current = load;
  });

  useEffect(() => {
    const controller = new AbortController();
    setResource((current) => (current.kind === 'ready' ? { ...current, refreshing: true } : { kind: 'loading' }));
    latest
      .current(controller.signal)
      .then((data) => setResource({ kind: 'ready', data, refreshing: false }))
      .catch((error: unknown) => {
        if (!controller.signal.aborted) setResource({ kind: 'error', error });
      });
    return () => controller.abort();
  }, [key, attempt]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  const setData = useCallback((update: (data: T) => T) => {
    setResource((current) => (current.kind === 'ready' ? { ...current, data: update(current.data) } : current));
  }, []);
  return { resource, reload, setData };
}

/** GETs `path` and keeps the answer, like `useAsyncResource`; `refreshKey` forces a reload when it changes. */
export function useApiResource<T>(path: string, refreshKey = ''): { resource: Resource<T>; reload(): void; setData(update: (data: T) => T): void } {
  return useAsyncResource((signal) => apiFetch<T>(path, { signal }), `${path}\n${refreshKey}`);
}
