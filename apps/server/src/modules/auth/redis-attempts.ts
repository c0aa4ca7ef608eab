import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createRedisClient } from '../../storage/redis-client.js';
import { MemoryAttemptLimiter, tooManyAttempts } from './attempts.js';
import type { AttemptLimiter, AttemptLimiters, AttemptPolicy } from './attempts.js';

/** Counts one failure; the window starts with the first (as the in-memory limiter's). */
const RECORD_FAILURE = `
local count = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count`;
/** The failures so far and the ms left in their window, in one round trip. */
const READ_FAILURES = `return { tonumber(redis.call('GET', KEYS[1]) or '0'), redis.call('PTTL', KEYS[1]) }`;

/** A login page must not wait on a Redis that hangs: past this, the local fallback answers. */
const COMMAND_TIMEOUT_MS = 500;
const DEFAULT_PREFIX = 'wasla:attempts';

export interface RedisAttemptLimitersOptions {
  /** `REDIS_URL`. */
  url: string;
  instanceId: string;
  logger: Logger;
  /** One per installation (several may share a Redis). */
  prefix?: string;
}

/**
 * Failed guesses counted in Redis, so every instance of a cluster sees the same count:
 * ten wrong passwords spread over three instances lock the account on all three.
 *
 * While Redis can't be reached the limiters fail OPEN, but not unlimited: each instance
 * counts in its own memory meanwhile (and keeps those counts afterwards), so a guesser
 * gets at most `max` per instance per window during an outage instead of the login page
 * answering 500 to everyone. Failing closed would let anyone who can make Redis blip
 * lock every user out; failing open without a count would be unlimited guessing.
 */
export class RedisAttemptLimiters {
  readonly redis: Redis;
  private away = false;
  private closed = false;

  constructor(private readonly options: RedisAttemptLimitersOptions) {
    this.redis = createRedisClient(options.url, { instanceId: options.instanceId, failFast: true, commandTimeoutMs: COMMAND_TIMEOUT_MS });
    this.redis.on('error', (error: Error) => options.logger.debug({ err: error }, 'redis connection error (attempt limits)'));
    this.redis.on('ready', () => {
      if (!this.away) return;
      this.away = false;
      options.logger.info('Redis is back: failed guesses are counted across instances again');
    });
    // Connecting goes on in the background; until it is up, the local counts stand in.
    this.redis.connect().catch(() => undefined);
  }

  /** The `AttemptLimiters` to give `AuthService`. */
  readonly limiters: AttemptLimiters = (policy) => new RedisAttemptLimiter(policy, this);

  /** The Redis key of one guessed thing: hashed, so no e-mail address sits in Redis in clear. */
  keyFor(policy: AttemptPolicy, key: string): string {
    const hash = createHash('sha256').update(`${policy.name}\0${key}`).digest('base64url');
    return `${this.options.prefix ?? DEFAULT_PREFIX}:${policy.name}:${hash}`;
  }

  /** Redis failed a command: from now on until it is back, each instance counts alone. */
  unreachable(error: unknown): void {
    if (this.away || this.closed) return;
    this.away = true;
    this.options.logger.warn({ err: error }, 'Redis is unreachable: failed guesses are counted per instance until it is back');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.redis.quit().catch(() => undefined);
    this.redis.disconnect();
  }
}

class RedisAttemptLimiter implements AttemptLimiter {
  /** What this instance counted while Redis was away. */
  private readonly local: MemoryAttemptLimiter;

  constructor(
    private readonly policy: AttemptPolicy,
    private readonly shared: RedisAttemptLimiters,
  ) {
    this.local = new MemoryAttemptLimiter(policy);
  }

  async assertAllowed(key: string): Promise<void> {
    this.local.check(key);
    let reply: unknown;
    try {
      reply = await this.shared.redis.eval(READ_FAILURES, 1, this.shared.keyFor(this.policy, key));
    } catch (error) {
      this.shared.unreachable(error);
      return;
    }
    const [count, msLeft] = Array.isArray(reply) ? reply.map(Number) : [];
    if (count !== undefined && count >= this.policy.max && msLeft !== undefined && msLeft > 0) throw tooManyAttempts(this.policy, msLeft);
  }

  async recordFailure(key: string): Promise<void> {
    try {
      await this.shared.redis.eval(RECORD_FAILURE, 1, this.shared.keyFor(this.policy, key), this.policy.windowMs);
    } catch (error) {
      this.shared.unreachable(error);
      this.local.record(key);
    }
  }
}
