import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryAttemptLimiter } from './attempts.js';

const policy = (max: number, windowMs: number) => ({ name: 'test', max, windowMs, what: 'guesses' });

test('refuses after max failures in the window, per key, and forgets them when the window ends', async () => {
  let now = 0;
  const limiter = new MemoryAttemptLimiter(policy(3, 60_000), { now: () => now });
  for (let i = 0; i < 3; i += 1) {
    await limiter.assertAllowed('ana');
    await limiter.recordFailure('ana');
  }
  await assert.rejects(limiter.assertAllowed('ana'), /Too many wrong guesses. Try again in 1 minute\./);
  await limiter.assertAllowed('omar');
  now = 59_999;
  await assert.rejects(limiter.assertAllowed('ana'));
  now = 60_000;
  await limiter.assertAllowed('ana');
  await limiter.recordFailure('ana');
  await limiter.assertAllowed('ana');
});

test('keeps at most maxKeys keys, dropping expired ones first', () => {
  let now = 0;
  const limiter = new MemoryAttemptLimiter(policy(1, 10), { now: () => now, maxKeys: 2 });
  limiter.record('a');
  now = 5;
  limiter.record('b');
  now = 11; // a has expired, b has not
  limiter.record('c');
  assert.throws(() => limiter.check('b'));
  assert.throws(() => limiter.check('c'));
  limiter.record('d'); // full of live keys: the oldest (b) goes
  limiter.check('b');
  assert.throws(() => limiter.check('d'));
});
