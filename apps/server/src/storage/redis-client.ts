import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';

/** Reconnect quickly at first, then every 2 s at most, for as long as Redis is away. */
export const reconnectDelay = (attempt: number): number => Math.min(50 * 2 ** Math.min(attempt, 6), 2000);

/**
 * An ioredis client as every part of a cluster instance uses one: connected by the caller
 * (`lazyConnect`), reconnecting for ever, named after the instance in `CLIENT LIST`.
 * `failFast`: a command while Redis is away fails at once instead of waiting in a queue
 * to be sent late (a publisher, a limiter); without it commands wait (a subscriber).
 */
export function createRedisClient(url: string, options: { instanceId: string; failFast: boolean; commandTimeoutMs?: number }): Redis {
  const common: RedisOptions = { lazyConnect: true, retryStrategy: reconnectDelay, connectionName: `wasla:${options.instanceId}` };
  const extra: RedisOptions = options.failFast ? { enableOfflineQueue: false, maxRetriesPerRequest: 0 } : { maxRetriesPerRequest: null };
  return new Redis(url, { ...common, ...extra, ...(options.commandTimeoutMs ? { commandTimeout: options.commandTimeoutMs } : {}) });
}

/** The URL without its password, for messages. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'REDIS_URL';
  }
}
