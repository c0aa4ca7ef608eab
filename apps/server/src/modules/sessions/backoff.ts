/** How a session waits between attempts to reconnect to WhatsApp. */
export interface BackoffPolicy {
  /** The ceiling of the first wait; each later attempt doubles it. */
  baseMs: number;
  /** No wait is ever longer than this. */
  capMs: number;
  /** Consecutive failed attempts after which the session gives up ('failed'). */
  maxRetries: number;
}

/** About 1 s for the first retry, a minute at most, and ten tries (~5 minutes in all) before giving up. */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1000, capMs: 60_000, maxRetries: 10 };

/**
 * The shortest wait: even a jitter of 0 must not turn into a reconnect at once, which
 * is how a gateway ends up hammering WhatsApp in a loop.
 */
export const MIN_BACKOFF_DELAY_MS = 50;

/** The most a wait can be for this attempt (0-based): `min(capMs, baseMs * 2^attempt)`. */
export function backoffCeiling(policy: BackoffPolicy, attempt: number): number {
  const exponent = Math.max(0, Math.floor(attempt));
  return Math.min(policy.capMs, policy.baseMs * 2 ** exponent);
}

/**
 * The wait before reconnect attempt `attempt` (0-based), with full jitter: a uniform
 * pick in `[0, ceiling)`, so many sessions (or many servers) that lost WhatsApp at the
 * same moment don't all come back at the same instant. `random` is in `[0, 1)`; it is
 * passed in so the function stays pure and tests can choose it.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: number): number {
  const jitter = Math.min(Math.max(random, 0), 1);
  return Math.max(MIN_BACKOFF_DELAY_MS, Math.floor(jitter * backoffCeiling(policy, attempt)));
}
