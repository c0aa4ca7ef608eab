import { useCallback, useEffect, useState } from 'react';
import { apiFetch } from '@/lib/api';

export type Resource<T> =
  | { kind: 'loading' }
  | { kind: 'ready'; data: T; refreshing: boolean }
  | { kind: 'error'; error: unknown };

/**
 * GETs `path` and keeps the answer. It loads again when `path` or `refreshKey` changes,
 * or on `reload()`; while it does, the previous answer stays on screen (`refreshing`).
 */
export function useApiResource<T>(path: string, refreshKey?: unknown): { resource: Resource<T>; reload(): void; setData(update: (data: T) => T): void } {
  const [resource, setResource] = useState<Resource<T>>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    setResource((current) => (current.kind === 'ready' ? { ...current, refreshing: true } : { kind: 'loading' }));
    apiFetch<T>(path, { signal: controller.signal })
      .then((data) => setResource({ kind: 'ready', data, refreshing: false }))
      .catch((error: unknown) => {
        if (!controller.signal.aborted) setResource({ kind: 'error', error });
      });
    return () => controller.abort();
  }, [path, refreshKey, attempt]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  const setData = useCallback((update: (data: T) => T) => {
    setResource((current) => (current.kind === 'ready' ? { ...current, data: update(current.data) } : current));
  }, []);
  return { resource, reload, setData };
}
