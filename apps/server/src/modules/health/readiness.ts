/** A dependency the instance can't serve without, as `/readyz` names it. */
export type DependencyName = 'database' | 'redis';

/**
 * One dependency `/readyz` asks about. `probe` says it is reachable by resolving (or
 * returning true); returning false, rejecting or not settling in time says it is not.
 */
export interface ReadinessCheck {
  name: DependencyName;
  probe(): boolean | Promise<void>;
}

export type Readiness = { ready: true } | { ready: false; failing: DependencyName[] };

/** A hung database must not hang the probe: a load balancer's own timeout would say less. */
export const READINESS_TIMEOUT_MS = 2000;

/**
 * Asks every dependency at once, each for at most `timeoutMs`. What went wrong goes to
 * `onFailure` (the log), never into the answer: errors may carry addresses or credentials.
 */
export async function checkReadiness(
  checks: readonly ReadinessCheck[],
  options: { timeoutMs?: number; onFailure?(name: DependencyName, error: unknown): void } = {},
): Promise<Readiness> {
  const timeoutMs = options.timeoutMs ?? READINESS_TIMEOUT_MS;
  const results = await Promise.all(
    checks.map(async (check) => {
      try {
        await withTimeout(check, timeoutMs);
        return null;
      } catch (error) {
        options.onFailure?.(check.name, error);
        return check.name;
      }
    }),
  );
  const failing = results.filter((name) => name !== null);
  return failing.length === 0 ? { ready: true } : { ready: false, failing };
}

async function withTimeout(check: ReadinessCheck, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    // Through a promise, so a probe that throws at once is a failure like one that rejects.
    const answer: boolean | void = await Promise.race([Promise.resolve().then<boolean | void>(() => check.probe()), timedOut]);
    if (answer === false) throw new Error('not connected');
  } finally {
    clearTimeout(timer);
  }
}
