import assert from 'node:assert/strict';
import { pino } from 'pino';
import { WS_CLOSE } from '@wasla/protocol';
import { RedisEventBus } from '../src/events/redis.js';
import { RedisAttemptLimiters } from '../src/modules/auth/redis-attempts.js';
import { LOGIN_FAILURES_PER_ACCOUNT } from '../src/modules/auth/service.js';
import { Stack, testDatabases } from './harness.js';
import { redisServerSkip, startRedisServer } from './redis-server.js';
import type { TestRedisServer } from './redis-server.js';
import { after, before, describe, test } from './suite.js';
import { TestSocket } from './ws-client.js';

// Two instances of one install (one PostgreSQL schema, one Redis): a credential that ends
// on one ends on the other within a second, and wrong passwords count on both. Cluster
// mode's session ownership stays off: only the event bus and the shared limits are on.
const WITHIN_A_SECOND = 1000;
const silent = pino({ level: process.env.WASLA_TEST_LOG ?? 'silent' });

const postgres = (await testDatabases()).find((database) => database.name === 'postgres')!;

describe('credentials end on every instance', { skip: redisServerSkip || postgres.skip }, () => {
  let redis: TestRedisServer;
  let a: Stack;
  let b: Stack;
  let admin: string;
  let people = 0;
  const closers: (() => Promise<void>)[] = [];
  /** Resolved when instance b re-read the truth after a Redis outage. */
  let resyncedB: () => void = () => undefined;

  /** What one instance talks to Redis with; `onResync` is given the app once it is built. */
  async function instance(id: string, onResync: () => void) {
    const bus = await RedisEventBus.connect({ url: redis.url, instanceId: id, logger: silent, channel: 'wasla:test-auth', onResync });
    const limits = new RedisAttemptLimiters({ url: redis.url, instanceId: id, logger: silent, prefix: 'wasla:test-auth' });
    closers.push(() => bus.close(), () => limits.close());
    return { bus, attempts: limits.limiters };
  }

  before(async () => {
    redis = await startRedisServer();
    const env = { LOGIN_RATE_LIMIT: '1000' };
    // A resync before the app is built has nothing cached to forget.
    a = await Stack.start({ database: postgres, env, deps: await instance('a', () => (a as Stack | undefined)?.app.auth.forgetCachedPrincipals()) });
    b = await a.startPeer(
      await instance('b', () => {
        (b as Stack | undefined)?.app.auth.forgetCachedPrincipals();
        resyncedB();
      }),
    );
    admin = await a.login();
  });
  after(async () => {
    // The second instance first: the first removes the database they share.
    await b?.close();
    await a?.close();
    for (const close of closers) await close();
    await redis?.close();
  });

  async function person(role: 'admin' | 'operator' = 'operator'): Promise<{ id: string; email: string; password: string }> {
    people += 1;
    const email = `member${people}@wasla.test`;
    const password = `a slow river ${people} under stars`;
    const created = await a.api(admin, 'POST', '/api/users', { email, name: `Member ${people}`, password, role });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    return { id: created.json.id, email, password };
  }

  const keySocket = async (stack: Stack, key: string): Promise<TestSocket> => {
    const socket = await TestSocket.open(stack.wsUrl, { 'x-api-key': key });
    socket.send({ type: 'subscribe', events: ['session_update'] });
    await socket.waitFor((m) => m.type === 'session_update');
    return socket;
  };
  const status = async (stack: Stack, headers: Record<string, string>, path = '/api/session/state'): Promise<number> => (await fetch(`${stack.baseUrl}${path}`, { headers })).status;

  test('an admin deletes a user on A: their sockets on B close within a second; B refuses their login and key at once', async () => {
    const leaver = await person('admin');
    const cookie = await b.login(leaver.email, leaver.password);
    const created = await b.api(cookie, 'POST', '/api/api-keys', { name: 'leaver key', role: 'admin' });
    const key: string = created.json.key;
    const [byCookie, byKey] = [await b.socket(cookie), await keySocket(b, key)];
    // B has both principals cached now (a hit here would answer 200 for 5 s).
    assert.equal(await status(b, { cookie }), 200);
    assert.equal(await status(b, { 'x-api-key': key }), 200);
    assert.equal((await a.api(admin, 'DELETE', `/api/users/${leaver.id}`)).status, 204);
    assert.equal(await byCookie.waitForClose(WITHIN_A_SECOND), WS_CLOSE.notAuthenticated);
    assert.equal(await byKey.waitForClose(WITHIN_A_SECOND), WS_CLOSE.notAuthenticated);
    assert.equal(await status(b, { cookie }), 401);
    assert.equal(await status(b, { 'x-api-key': key }), 401);
  });

  test('an admin revokes a key on A: its socket on B closes within a second, and B refuses it', async () => {
    const created = await a.api(admin, 'POST', '/api/api-keys', { name: 'short-lived', role: 'operator' });
    const key: string = created.json.key;
    const socket = await keySocket(b, key);
    assert.equal(await status(b, { 'x-api-key': key }), 200);
    assert.equal((await a.api(admin, 'DELETE', `/api/api-keys/${created.json.apiKey.id}`)).status, 204);
    assert.equal(await socket.waitForClose(WITHIN_A_SECOND), WS_CLOSE.notAuthenticated);
    assert.equal(await status(b, { 'x-api-key': key }), 401);
  });

  test('a user changes their password on A: their other login’s socket on B closes; the login that changed it works on B', async () => {
    const someone = await person();
    const [here, elsewhere] = [await a.login(someone.email, someone.password), await b.login(someone.email, someone.password)];
    const [theirs, mine] = [await b.socket(elsewhere), await b.socket(here)];
    assert.equal(await status(b, { cookie: elsewhere }), 200);
    const changed = await a.api(here, 'PATCH', '/api/auth/me', { currentPassword: someone.password, newPassword: 'another slow river 88' });
    assert.equal(changed.status, 200, JSON.stringify(changed.json));
    assert.equal(await theirs.waitForClose(WITHIN_A_SECOND), WS_CLOSE.notAuthenticated);
    assert.equal(await status(b, { cookie: elsewhere }), 401);
    assert.equal(await status(b, { cookie: here }), 200);
    assert.equal(mine.closeCode, null);
    mine.close();
  });

  test(`${LOGIN_FAILURES_PER_ACCOUNT} wrong passwords split over A and B lock the account on both`, async () => {
    const target = await person();
    const login = (stack: Stack, password: string) =>
      fetch(`${stack.baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: stack.baseUrl }, body: JSON.stringify({ email: target.email, password }) });
    for (let i = 0; i < LOGIN_FAILURES_PER_ACCOUNT; i += 1) assert.equal((await login(i % 2 ? b : a, `wrong guess number ${i}`)).status, 401);
    assert.equal((await login(a, target.password)).status, 429, 'even the right password waits on A');
    assert.equal((await login(b, target.password)).status, 429, 'and on B');
  });

  test('Redis away while a user is deleted on A: when it is back, B forgets its cached principals and closes their socket', async () => {
    const leaver = await person();
    const cookie = await b.login(leaver.email, leaver.password);
    const socket = await b.socket(cookie);
    assert.equal(await status(b, { cookie }), 200);
    const resynced = new Promise<void>((resolve) => (resyncedB = resolve));
    await redis.stop('SIGKILL');
    assert.equal((await a.api(admin, 'DELETE', `/api/users/${leaver.id}`)).status, 204);
    await redis.start();
    await resynced;
    assert.equal(await socket.waitForClose(WITHIN_A_SECOND), WS_CLOSE.notAuthenticated);
    assert.equal(await status(b, { cookie }), 401);
  });
});
