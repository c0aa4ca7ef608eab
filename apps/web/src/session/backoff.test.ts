import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BROWSER_BACKOFF, Backoff } from './backoff.js';

const ALMOST_ONE = 0.999_999;

describe('Backoff', () => {
  test('the ceiling doubles per attempt from 1 s and caps at 30 s', () => {
    const backoff = new Backoff({ random: () => ALMOST_ONE });
    const delays = Array.from({ length: 9 }, () => backoff.duration());
    assert.deepEqual(delays, [999, 1999, 3999, 7999, 15_999, 29_999, 29_999, 29_999, 29_999]);
    assert.equal(backoff.attempts, 9);
  });

  test('full jitter: a different random gives a different delay, always within [100 ms, ceiling]', () => {
    const firstDelays = new Set([0, 0.25, 0.5, 0.75].map((r) => new Backoff({ random: () => r }).duration()));
    assert.deepEqual([...firstDelays], [100, 325, 550, 775]);
    for (const random of [0, 0.001, 0.3, 0.5, 0.9, ALMOST_ONE, 1]) {
      const backoff = new Backoff({ random: () => random });
      for (let attempt = 0; attempt < 40; attempt += 1) {
        const ceiling = Math.min(BROWSER_BACKOFF.capMs, BROWSER_BACKOFF.baseMs * 2 ** attempt);
        const delay = backoff.duration();
        assert.ok(Number.isInteger(delay));
        assert.ok(delay >= BROWSER_BACKOFF.minMs && delay <= ceiling, `attempt ${attempt}, random ${random}: ${delay}`);
      }
    }
  });

  test('keeps its spread at the cap, so browsers do not return in step', () => {
    const late = [0.1, 0.5, 0.9].map((r) => {
      const backoff = new Backoff({ random: () => r });
      for (let i = 0; i < 20; i += 1) backoff.duration();
      return backoff.duration();
    });
    assert.deepEqual(late, [3090, 15_050, 27_010]);
  });

  test('reset() starts again from the first, short wait', () => {
    const backoff = new Backoff({ random: () => ALMOST_ONE });
    for (let i = 0; i < 6; i += 1) backoff.duration();
    backoff.reset();
    assert.equal(backoff.attempts, 0);
    assert.equal(backoff.duration(), 999);
  });

  test('out-of-range randoms are clamped', () => {
    assert.equal(new Backoff({ random: () => -3 }).duration(), 100);
    assert.equal(new Backoff({ random: () => 7 }).duration(), 1000);
  });
});
