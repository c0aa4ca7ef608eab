import { AppError } from '../../errors/app-error.js';

/**
 * Counts failed guesses per key (a user, an account) in a fixed window, and refuses
 * further guesses once `max` failed within it. Successes don't count, so someone who
 * knows their password is never locked out by their own typing of new ones.
 */
export class AttemptLimiter {
  private readonly failures = new Map<string, { count: number; windowEndsAt: number }>();

  constructor(
    private readonly options: { max: number; windowMs: number; what: string; now?: () => number; maxKeys?: number },
  ) {}

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /** Throws `rate_limited` while `key` has used up its failures in this window. */
  assertAllowed(key: string): void {
    const entry = this.failures.get(key);
    if (!entry) return;
    const now = this.now();
    if (entry.windowEndsAt <= now) {
      this.failures.delete(key);
      return;
    }
    if (entry.count >= this.options.max) {
      const minutes = Math.ceil((entry.windowEndsAt - now) / 60_000);
      throw new AppError('rate_limited', `Too many wrong ${this.options.what}. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`, { retryAfterMinutes: minutes });
    }
  }

  recordFailure(key: string): void {
    const now = this.now();
    const entry = this.failures.get(key);
    if (entry && entry.windowEndsAt > now) {
      entry.count += 1;
      return;
    }
    if (this.failures.size >= (this.options.maxKeys ?? 10_000)) this.forgetExpired(now);
    this.failures.set(key, { count: 1, windowEndsAt: now + this.options.windowMs });
  }

  private forgetExpired(now: number): void {
    for (const [key, entry] of this.failures) if (entry.windowEndsAt <= now) this.failures.delete(key);
    // Still full of live entries: drop the oldest rather than grow without bound.
    if (this.failures.size >= (this.options.maxKeys ?? 10_000)) this.failures.delete(this.failures.keys().next().value!);
  }
}
