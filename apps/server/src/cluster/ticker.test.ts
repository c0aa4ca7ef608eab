import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ticker } from './ticker.js';

/** A step the test lets finish: each call waits until `finish` is called. */
function gatedStep() {
  const calls: { finish: () => void }[] = [];
  let began: (() => void) | null = null;
  return {
    calls,
    step: () =>
      new Promise<void>((resolve) => {
        calls.push({ finish: resolve });
        began?.();
      }),
    /** Resolves when the step has been called `count` times in all. */
    called(count: number) {
      return new Promise<void>((resolve) => {
        const look = () => {
          if (calls.length >= count) resolve();
        };
        began = look;
        look();
      });
    },
  };
}

describe('Ticker', () => {
  it('never runs two steps at once: the next comes an interval after the previous one ended', async () => {
    const gated = gatedStep();
    const ticker = new Ticker(5, gated.step, (error) => assert.fail(String(error)));
    ticker.start();
    await gated.called(1);
    // Ten intervals pass while the first step runs (only time can show a step does not start): no second step.
    const next = ticker.afterNext();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(gated.calls.length, 1);
    gated.calls[0]?.finish();
    await gated.called(2);
    gated.calls[1]?.finish();
    await next;
    await ticker.stop();
  });

  it('a step that throws is reported and the next one comes all the same', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const ticker = new Ticker(1, () => (++calls === 1 ? Promise.reject(new Error('first')) : Promise.resolve()), (error) => errors.push(error));
    ticker.start();
    await ticker.afterNext();
    await ticker.afterNext();
    await ticker.stop();
    assert.ok(calls >= 2);
    assert.deepEqual(errors.map((error) => (error as Error).message), ['first']);
  });

  it('stop waits for the step in progress and no step comes after it; refresh runs one at once', async () => {
    const gated = gatedStep();
    const ticker = new Ticker(60_000, gated.step, (error) => assert.fail(String(error)));
    ticker.start();
    const refreshed = ticker.refresh();
    await gated.called(1);
    let stopped = false;
    const stopping = ticker.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(stopped, false, 'waits for the step in progress');
    gated.calls[0]?.finish();
    await Promise.all([stopping, refreshed]);
    await ticker.refresh();
    assert.equal(gated.calls.length, 1, 'nothing runs once stopped');
  });

  it('paused, a step waits at its start until resumed', async () => {
    const gated = gatedStep();
    const ticker = new Ticker(1, gated.step, (error) => assert.fail(String(error)));
    ticker.start();
    const resume = await ticker.pause();
    // Twenty intervals, and no step.
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(gated.calls.length, 0);
    resume();
    await gated.called(1);
    gated.calls[0]?.finish();
    await ticker.stop();
  });
});
