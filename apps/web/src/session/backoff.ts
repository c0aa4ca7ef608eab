/** How long the browser waits between attempts to reopen the session WebSocket. */
export interface BackoffOptions {
  /** The ceiling of the first wait; it doubles with every failed attempt. */
  baseMs?: number;
  /** No wait is ever longer than this. */
  capMs?: number;
  /** The shortest wait, so even a jitter of 0 is not a reconnect loop. */
  minMs?: number;
  /** A number in [0, 1); injectable so tests choose the jitter. */
  random?: () => number;
}

/** 1 s base, 30 s cap, 100 ms floor: the first retry lands in [0.1 s, 1 s), about 0.5 s on average. */
export const BROWSER_BACKOFF = { baseMs: 1000, capMs: 30_000, minMs: 100 } as const;

/**
 * Exponential backoff with full jitter. For attempt `n` (0-based):
 *
 *     ceiling = min(capMs, baseMs × 2^n)
 *     delay   = minMs + random × (ceiling − minMs)        → uniform in [minMs, ceiling)
 *
 * Full jitter (rather than ±50 % around the ceiling) keeps the spread when the
 * ceiling hits the cap: after a long outage the browsers still come back spread over
 * 0.1–30 s, not all at exactly 30 s. The floor is added, not clamped, so no value is
 * more likely than the others.
 */
export class Backoff {
  private readonly baseMs: number;
  private readonly capMs: number;
  private readonly minMs: number;
  private readonly random: () => number;
  private attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.baseMs = options.baseMs ?? BROWSER_BACKOFF.baseMs;
    this.capMs = options.capMs ?? BROWSER_BACKOFF.capMs;
    this.minMs = Math.min(options.minMs ?? BROWSER_BACKOFF.minMs, this.baseMs);
    this.random = options.random ?? Math.random;
  }

  /** How many waits have been handed out since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  /** The wait before the next attempt, in ms; each call counts as one more attempt. */
  duration(): number {
    // 2^attempt overflows to Infinity long after it passed the cap; min() handles that.
    const ceiling = Math.min(this.capMs, this.baseMs * 2 ** this.attempt);
    this.attempt += 1;
    const jitter = Math.min(Math.max(this.random(), 0), 1);
    return Math.floor(this.minMs + jitter * (ceiling - this.minMs));
  }

  /** Start again from the first wait: called once a connection has proved stable. */
  reset(): void {
    this.attempt = 0;
  }
}
