import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AttemptLimiter } from './attempts.js';

test('refuses after max failures in the window, per key, and forgets them when the window ends', () => {
  let now = 0;
  const limiter = new AttemptLimiter({ max: 3, windowMs: 60_000, what: 'guesses', now: () => now });
  for (let i = 0; i < 3; i += 1) {
    limiter.assertAllowed('ana');
    limiter.recordFailure('ana');
  }
  assert.throws(() => limiter.assertAllowed('ana'), /Too many wrong guesses. Try again in 1 minute\./);
  limiter.assertAllowed('omar');
  now = 59_999;
  assert.throws(() => limiter.assertAllowed('ana'));
  now = 60_000;
  limiter.assertAllowed('ana');
  limiter.recordFailure('ana');
  limiter.assertAllowed('ana');
});

test('keeps at most maxKeys keys, dropping expired ones first', () => {
  let now = 0;
  const limiter = new AttemptLimiter({ max: 1, windowMs: 10, what: 'guesses', now: () => now, maxKeys: 2 });
  limiter.recordFailure('a');
  now = 5;
  limiter.recordFailure('b');
  now = 11; // a has expired, b has not
  limiter.recordFailure('c');
  assert.throws(() => limiter.assertAllowed('b'));
  assert.throws(() => limiter.assertAllowed('c'));
  limiter.recordFailure('d'); // full of live keys: the oldest (b) goes
  limiter.assertAllowed('b');
  assert.throws(() => limiter.assertAllowed('d'));
});
