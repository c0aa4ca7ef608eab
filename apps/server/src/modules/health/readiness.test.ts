import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { Registry } from 'prom-client';
import { checkReadiness } from './readiness.js';
import type { ReadinessCheck } from './readiness.js';
import { healthRoutes } from './routes.js';

const up = (): Promise<void> => Promise.resolve();

test('ready when every check answers; each failing one named, whether it says false, rejects, throws or hangs', async () => {
  assert.deepEqual(await checkReadiness([{ name: 'database', probe: up }, { name: 'redis', probe: () => true }]), { ready: true });
  const failures: string[] = [];
  const cases: [string, ReadinessCheck['probe']][] = [
    ['says false', () => false],
    ['rejects', () => Promise.reject(new Error('ECONNREFUSED'))],
    ['throws', () => {
      throw new Error('closed');
    }],
    ['hangs', () => new Promise<void>(() => undefined)],
  ];
  for (const [how, probe] of cases) {
    const started = Date.now();
    const readiness = await checkReadiness([{ name: 'database', probe: up }, { name: 'redis', probe }], { timeoutMs: 50, onFailure: (name) => failures.push(name) });
    assert.deepEqual(readiness, { ready: false, failing: ['redis'] }, how);
    assert.ok(Date.now() - started < 2000, `${how}: answered in time`);
  }
  assert.deepEqual(failures, ['redis', 'redis', 'redis', 'redis']);
  const both = await checkReadiness([{ name: 'database', probe: () => Promise.reject(new Error('down')) }, { name: 'redis', probe: () => false }]);
  assert.deepEqual(both, { ready: false, failing: ['database', 'redis'] });
});

async function healthApp(checks: ReadinessCheck[], closing = () => false) {
  const app = Fastify();
  await app.register(healthRoutes, { checks, closing, metrics: new Registry(), readinessTimeoutMs: 50 });
  return app;
}

test('/readyz: 503 naming the dependency that is down, with no address or error text; 200 again once it is back', async () => {
  let redisUp = false;
  const app = await healthApp([
    { name: 'database', probe: up },
    { name: 'redis', probe: () => redisUp },
  ]);
  try {
    const down = await app.inject('/readyz');
    assert.equal(down.statusCode, 503);
    assert.deepEqual(down.json(), { status: 'unavailable', failing: ['redis'], reason: 'Redis is not reachable.' });
    const leaky = await healthApp([{ name: 'database', probe: () => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.5:5432 user=wasla password=secret')) }]);
    const answer = await leaky.inject('/readyz');
    assert.equal(answer.statusCode, 503);
    assert.deepEqual(answer.json(), { status: 'unavailable', failing: ['database'], reason: 'The database is not reachable.' });
    assert.doesNotMatch(answer.body, /10\.0\.0\.5|secret|ECONNREFUSED/);
    await leaky.close();
    redisUp = true;
    const ready = await app.inject('/readyz');
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), { status: 'ready' });
  } finally {
    await app.close();
  }
});

test('/readyz: not ready at once when the app starts closing, without asking the dependencies; /healthz unchanged', async () => {
  let closing = false;
  let asked = 0;
  const app = await healthApp([{ name: 'database', probe: async () => void (asked += 1) }], () => closing);
  try {
    assert.equal((await app.inject('/readyz')).statusCode, 200);
    closing = true;
    const answer = await app.inject('/readyz');
    assert.equal(answer.statusCode, 503);
    assert.deepEqual(answer.json(), { status: 'unavailable', failing: [], reason: 'This instance is shutting down.' });
    assert.equal(asked, 1);
    assert.deepEqual((await app.inject('/healthz')).json(), { status: 'ok' });
  } finally {
    await app.close();
  }
});
