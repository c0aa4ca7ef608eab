import { useCallback, useEffect, useRef } from 'react';

/**
 * A stable callback that runs `run` at most once every `ms`: the first call after a quiet
 * spell runs it at once (on the next tick), later calls fold into one run when the
 * interval is over. For live events that say "look again".
 */
export function useThrottled(run: () => void, ms: number): () => void {
  const latest = useRef(run);
  const last = useRef(0);
  const timer = useRef<number | null>(null);
  useEffect(() => {
    latest.current = run;
  });
  useEffect(() => () => window.clearTimeout(timer.current ?? undefined), []);
  return useCallback(() => {
    if (timer.current !== null) return;
    timer.current = window.setTimeout(() => {
      timer.current = null;
      last.current = Date.now();
      latest.current();
    }, Math.max(0, last.current + ms - Date.now()));
  }, [ms]);
}
