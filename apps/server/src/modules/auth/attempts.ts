import { AppError } from '../../errors/app-error.js';

/** One kind of guess limited: at most `max` failures per key in a window of `windowMs`. */
export interface AttemptPolicy {
  /** Names the kind of guess among the others (part of the shared store's keys). */
  name: string;
  max: number;
  windowMs: number;
  /** What is guessed, for the error: "Too many wrong <what>." */
  what: string;
}

/**
 * Counts failed guesses per key (a user, an account) in a fixed window, and refuses
 * further guesses once `max` failed within it. Successes don't count, so someone who
 * knows their password is never locked out by their own typing of new ones.
 */
export interface AttemptLimiter {
  /** Rejects with `rate_limited` while `key` has used up its failures in this window. */
  assertAllowed(key: string): Promise<void>;
  recordFailure(key: string): Promise<void>;
}

/** Makes the limiter of each policy: in this process's memory, or shared by the instances of a cluster. */
export type AttemptLimiters = (policy: AttemptPolicy) => AttemptLimiter;

export function tooManyAttempts(policy: AttemptPolicy, msLeft: number): AppError {
  const minutes = Math.max(1, Math.ceil(msLeft / 60_000));
  return new AppError('rate_limited', `Too many wrong ${policy.what}. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`, { retryAfterMinutes: minutes });
}

/** The limiter of one process: failures in a Map, at most `maxKeys` keys. */
export class MemoryAttemptLimiter implements AttemptLimiter {
  private readonly failures = new Map<string, { count: number; windowEndsAt: number }>();

  constructor(
    private readonly policy: AttemptPolicy,
    private readonly options: { now?: () => number; maxKeys?: number } = {},
  ) {}

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  assertAllowed(key: string): Promise<void> {
    try {
      this.check(key);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  recordFailure(key: string): Promise<void> {
    this.record(key);
    return Promise.resolve();
  }

  /** `assertAllowed` without a promise: throws at once. */
  check(key: string): void {
    const entry = this.failures.get(key);
    if (!entry) return;
    const now = this.now();
    if (entry.windowEndsAt <= now) {
      this.failures.delete(key);
      return;
    }
    if (entry.count >= this.policy.max) throw tooManyAttempts(this.policy, entry.windowEndsAt - now);
  }

  /** `recordFailure` without a promise. */
  record(key: string): void {
    const now = this.now();
    const entry = this.failures.get(key);
    if (entry && entry.windowEndsAt > now) {
      entry.count += 1;
      return;
    }
    if (this.failures.size >= (this.options.maxKeys ?? 10_000)) this.forgetExpired(now);
    this.failures.set(key, { count: 1, windowEndsAt: now + this.policy.windowMs });
  }

  private forgetExpired(now: number): void {
    for (const [key, entry] of this.failures) if (entry.windowEndsAt <= now) this.failures.delete(key);
    // Still full of live entries: drop the oldest rather than grow without bound.
    if (this.failures.size >= (this.options.maxKeys ?? 10_000)) this.failures.delete(this.failures.keys().next().value!);
  }
}

/** One process's limiters (a single instance, the default). */
export const memoryAttemptLimiters: AttemptLimiters = (policy) => new MemoryAttemptLimiter(policy);
