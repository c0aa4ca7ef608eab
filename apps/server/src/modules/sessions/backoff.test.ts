import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_BACKOFF, MIN_BACKOFF_DELAY_MS, backoffCeiling, backoffDelay } from './backoff.js';
import type { BackoffPolicy } from './backoff.js';

describe('backoff', () => {
  test('the default policy: 1 s base, 60 s cap, 10 retries', () => {
    assert.deepEqual(DEFAULT_BACKOFF, { baseMs: 1000, capMs: 60_000, maxRetries: 10 });
  });

  test('the ceiling doubles per attempt until the cap', () => {
    const ceilings = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((attempt) => backoffCeiling(DEFAULT_BACKOFF, attempt));
    assert.deepEqual(ceilings, [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  });

  test('full jitter: the delay is random * ceiling, rounded down', () => {
    assert.equal(backoffDelay(DEFAULT_BACKOFF, 0, 0.5), 500);
    assert.equal(backoffDelay(DEFAULT_BACKOFF, 3, 0.25), 2000);
    assert.equal(backoffDelay(DEFAULT_BACKOFF, 20, 0.5), 30_000);
  });

  test('a different random gives a different delay for the same attempt', () => {
    const delays = new Set([0.1, 0.3, 0.6, 0.9].map((random) => backoffDelay(DEFAULT_BACKOFF, 4, random)));
    assert.equal(delays.size, 4);
  });

  test(`never below ${MIN_BACKOFF_DELAY_MS} ms, even with a jitter of 0`, () => {
    assert.equal(MIN_BACKOFF_DELAY_MS, 50);
    assert.equal(backoffDelay(DEFAULT_BACKOFF, 0, 0), 50);
    assert.equal(backoffDelay(DEFAULT_BACKOFF, 0, 0.01), 50);
  });

  test('always within [50, ceiling] over a grid of attempts and randoms', () => {
    for (let attempt = 0; attempt < 40; attempt += 1) {
      const ceiling = backoffCeiling(DEFAULT_BACKOFF, attempt);
      for (const random of [0, 0.001, 0.25, 0.5, 0.75, 0.999_999]) {
        const delay = backoffDelay(DEFAULT_BACKOFF, attempt, random);
        assert.ok(Number.isInteger(delay), `integer delay for attempt ${attempt}`);
        assert.ok(delay >= 50 && delay <= ceiling, `attempt ${attempt}, random ${random}: ${delay} not in [50, ${ceiling}]`);
      }
    }
  });

  test('huge attempts stay at the cap instead of overflowing', () => {
    assert.equal(backoffCeiling(DEFAULT_BACKOFF, 5000), 60_000);
    assert.equal(backoffDelay(DEFAULT_BACKOFF, 5000, 0.5), 30_000);
  });

  test('odd inputs are tamed: negative or fractional attempts, random outside [0, 1)', () => {
    assert.equal(backoffCeiling(DEFAULT_BACKOFF, -3), 1000);
    assert.equal(backoffCeiling(DEFAULT_BACKOFF, 2.7), 4000);
    assert.equal(backoffDelay(DEFAULT_BACKOFF, 0, -1), 50);
    assert.equal(backoffDelay(DEFAULT_BACKOFF, 0, 7), 1000);
  });

  test('honours a custom policy', () => {
    const policy: BackoffPolicy = { baseMs: 200, capMs: 1000, maxRetries: 3 };
    assert.deepEqual([0, 1, 2, 3].map((attempt) => backoffCeiling(policy, attempt)), [200, 400, 800, 1000]);
    assert.equal(backoffDelay(policy, 1, 0.5), 200);
  });

  test('is pure: the same inputs always give the same delay', () => {
    assert.equal(backoffDelay(DEFAULT_BACKOFF, 5, 0.42), backoffDelay(DEFAULT_BACKOFF, 5, 0.42));
  });
});
