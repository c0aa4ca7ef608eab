import assert from 'node:assert/strict';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { pino } from 'pino';
import { RedisAttemptLimiters } from '../src/modules/auth/redis-attempts.js';
import type { AttemptPolicy } from '../src/modules/auth/attempts.js';
import { redisServerSkip, startRedisServer } from './redis-server.js';
import type { TestRedisServer } from './redis-server.js';
import { after, before, describe, test } from './suite.js';

const POLICY: AttemptPolicy = { name: 'login', max: 3, windowMs: 60_000, what: 'passwords for this account' };

describe('failed guesses counted in Redis, shared by the instances', { skip: redisServerSkip }, () => {
  let redis: TestRedisServer;
  const opened: RedisAttemptLimiters[] = [];
  const logged: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logged.push(JSON.parse(line)) });

  /** Instance `id` of the installation whose counts live under `prefix`. */
  const instance = async (id: string, prefix: string): Promise<RedisAttemptLimiters> => {
    const limiters = new RedisAttemptLimiters({ url: redis.url, instanceId: id, logger, prefix });
    opened.push(limiters);
    if (limiters.redis.status !== 'ready') await once(limiters.redis, 'ready');
    return limiters;
  };

  before(async () => {
    redis = await startRedisServer();
  });
  after(async () => {
    await Promise.all(opened.map((limiters) => limiters.close()));
    await redis?.close();
  });

  test('two instances share the count: failures split over both lock the key on both; other keys are free', async () => {
    const [a, b] = [(await instance('a', 'wasla:share')).limiters(POLICY), (await instance('b', 'wasla:share')).limiters(POLICY)];
    await a.recordFailure('ana@example.com');
    await b.recordFailure('ana@example.com');
    await a.assertAllowed('ana@example.com');
    await b.assertAllowed('ana@example.com');
    await b.recordFailure('ana@example.com');
    for (const limiter of [a, b]) await assert.rejects(limiter.assertAllowed('ana@example.com'), /Too many wrong passwords for this account\. Try again in 1 minute\./);
    await a.assertAllowed('omar@example.com');
    // Another policy and another installation count apart.
    await (await instance('a', 'wasla:share')).limiters({ ...POLICY, name: 'current-password' }).assertAllowed('ana@example.com');
    await (await instance('c', 'wasla:other')).limiters(POLICY).assertAllowed('ana@example.com');
  });

  test('no e-mail address sits in Redis in clear: keys are hashed, and expire with their window', async () => {
    const limiters = await instance('a', 'wasla:keys');
    await limiters.limiters(POLICY).recordFailure('layla@example.com');
    const keys = await limiters.redis.keys('wasla:keys:*');
    assert.equal(keys.length, 1);
    assert.doesNotMatch(keys[0]!, /layla|example/);
    const msLeft = await limiters.redis.pttl(keys[0]!);
    assert.ok(msLeft > 0 && msLeft <= POLICY.windowMs, `the key expires with the window (${msLeft} ms left)`);
  });

  test('the window ends: the key may guess again', async () => {
    const short = { ...POLICY, windowMs: 300 };
    const [a, b] = [(await instance('a', 'wasla:window')).limiters(short), (await instance('b', 'wasla:window')).limiters(short)];
    for (let i = 0; i < 3; i += 1) await a.recordFailure('sara');
    await assert.rejects(b.assertAllowed('sara'));
    // Waiting for time itself, which is what is tested: the window's end.
    await delay(short.windowMs + 50);
    await b.assertAllowed('sara');
    await a.assertAllowed('sara');
  });

  test('Redis away: each instance counts alone (limited, never unlimited), says so once at warn; back: shared again, local counts kept', async () => {
    const [sharedA, sharedB] = [await instance('a', 'wasla:outage'), await instance('b', 'wasla:outage')];
    const [a, b] = [sharedA.limiters(POLICY), sharedB.limiters(POLICY)];
    await redis.stop('SIGKILL');
    const warnedBefore = logged.filter((line) => line.level === 40).length;
    for (let i = 0; i < 3; i += 1) {
      await a.assertAllowed('nour');
      await a.recordFailure('nour');
    }
    await assert.rejects(a.assertAllowed('nour'), /Too many wrong/, 'instance a refuses on its own count');
    const warnings = () => logged.filter((line) => line.level === 40).slice(warnedBefore);
    assert.equal(warnings().length, 1, JSON.stringify(warnings()));
    assert.match(warnings()[0]!.msg, /Redis is unreachable: failed guesses are counted per instance/);
    await b.assertAllowed('nour');
    assert.equal(warnings().length, 2, 'once per instance');

    await redis.start();
    await Promise.all([sharedA, sharedB].map(async ({ redis: client }) => client.status === 'ready' || (await once(client, 'ready'))));
    await assert.rejects(a.assertAllowed('nour'), /Too many wrong/, 'what a counted alone still stands');
    for (let i = 0; i < 3; i += 1) await b.recordFailure('nour');
    await assert.rejects(b.assertAllowed('nour'), /Too many wrong/);
    await a.assertAllowed('karim');
    assert.ok(logged.some((line) => /Redis is back/.test(line.msg)));
  });
});
