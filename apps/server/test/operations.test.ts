import { after, before, test } from './suite.js';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WS_CLOSE } from '@wasla/protocol';
import { Stack, describeOnEachDatabase, testDatabases } from './harness.js';
import { TestSocket } from './ws-client.js';

const databases = await testDatabases();
const root = fileURLToPath(new URL('../../..', import.meta.url));

describeOnEachDatabase(databases, 'operations', (database) => {
  let stack: Stack;
  let cookie: string;
  before(async () => {
    stack = await Stack.start({ database });
    cookie = await stack.login();
  });
  after(() => stack?.close());

  test('/healthz and /readyz answer without authentication; /metrics to an API key sent as a bearer token (Prometheus)', async () => {
    assert.deepEqual(await (await fetch(`${stack.baseUrl}/healthz`)).json(), { status: 'ok' });
    assert.deepEqual(await (await fetch(`${stack.baseUrl}/readyz`)).json(), { status: 'ready' });
    assert.equal((await fetch(`${stack.baseUrl}/metrics`)).status, 401);
    const { key } = (await stack.api(cookie, 'POST', '/api/api-keys', { name: 'prometheus', role: 'operator' })).json as { key: string };
    const socket = await stack.socket(cookie);
    const metrics = await (await fetch(`${stack.baseUrl}/metrics`, { headers: { authorization: `Bearer ${key}` } })).text();
    assert.match(metrics, /wasla_sessions\{status="stopped"\} 1/);
    assert.match(metrics, /wasla_ws_clients 1/);
    assert.match(metrics, /wasla_process_resident_memory_bytes/);
    socket.close();
  });

  test('/api/cluster (admins): one process is the only instance, with its address and every session it runs', async () => {
    const cluster = await stack.api(cookie, 'GET', '/api/cluster');
    assert.equal(cluster.status, 200);
    assert.equal(cluster.json.mode, 'single');
    assert.equal(cluster.json.instances.length, 1);
    const [instance] = cluster.json.instances;
    assert.deepEqual([instance.id, instance.pid, instance.address.endsWith(`:${new URL(stack.baseUrl).port}`), instance.leaving], [cluster.json.answeredBy, process.pid, true, false]);
    assert.ok(instance.sessions.includes('default'));
    assert.ok(Date.parse(instance.startedAt) <= Date.parse(instance.heartbeatAt));
    const operator = await stack.api(cookie, 'POST', '/api/users', { email: 'cluster-operator@wasla.test', name: 'Op', password: 'a long enough sentence 42', role: 'operator' });
    assert.equal(operator.status, 201);
    const operatorCookie = await stack.login('cluster-operator@wasla.test', 'a long enough sentence 42');
    assert.equal((await stack.api(operatorCookie, 'GET', '/api/cluster')).status, 403);
  });

  test('OpenAPI describes the API and is browsable at /api/docs', async () => {
    const spec = (await stack.api(cookie, 'GET', '/api/docs/json')).json as { openapi: string; paths: Record<string, unknown> };
    assert.match(spec.openapi, /^3\./);
    for (const path of ['/api/session/state', '/api/session/qr', '/api/session/start', '/api/sessions/{id}/state', '/api/messages', '/api/auth/login', '/api/api-keys']) {
      assert.ok(spec.paths[path], `${path} is documented`);
    }
  });

  test('sessions by id: create, state, commands; unknown ids are a clear 404; bad ids a 400', async () => {
    const created = await stack.api(cookie, 'POST', '/api/sessions', { id: 'sales' });
    assert.equal(created.status, 201);
    assert.equal(created.json.sessionId, 'sales');
    assert.equal((await stack.api(cookie, 'POST', '/api/sessions', { id: 'sales' })).status, 409);
    const state = await stack.api(cookie, 'GET', '/api/sessions/sales/state');
    assert.equal(state.json.status, 'stopped');
    const missing = await stack.api(cookie, 'GET', '/api/sessions/nobody/state');
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error.code, 'session_not_found');
    assert.equal((await stack.api(cookie, 'GET', '/api/sessions/Bad%20Id/state')).status, 400);
    const list = await stack.api(cookie, 'GET', '/api/sessions');
    assert.deepEqual(list.json.items.map((s: { sessionId: string }) => s.sessionId).sort(), ['default', 'sales']);
    const socket = await TestSocket.open(stack.wsUrl, { cookie, origin: stack.baseUrl });
    socket.send({ type: 'subscribe', events: ['session_update'], sessionId: 'sales' });
    const first = await socket.waitFor((m) => m.type === 'session_update');
    assert.equal(first.type === 'session_update' && first.data.sessionId, 'sales');
    socket.close();
  });

  test('transitions are recorded for the timeline, newest first', async () => {
    await stack.api(cookie, 'POST', '/api/sessions/sales/start');
    await stack.app.sessions.idle('sales');
    await stack.api(cookie, 'POST', '/api/sessions/sales/stop');
    await stack.app.sessions.idle('sales');
    const timeline = await stack.api(cookie, 'GET', '/api/sessions/sales/transitions?limit=10');
    const items = timeline.json.items as { from: string; to: string; event: string }[];
    assert.ok(items.length >= 2);
    assert.equal(items[0]!.to, 'stopped');
    assert.equal(items[0]!.event, 'stop');
    assert.ok(items.some((item) => item.from === 'stopped' && item.to === 'connecting' && item.event === 'start'));
  });
});

describeOnEachDatabase(databases, 'graceful shutdown', (database) => {
  test('open WebSockets are closed with 1001 and the server stops answering', async () => {
    const stack = await Stack.start({ database });
    const cookie = await stack.login();
    const socket = await stack.socket(cookie);
    const closed = socket.waitForClose();
    await stack.close();
    assert.equal(await closed, WS_CLOSE.serverShutdown);
    await assert.rejects(fetch(`${stack.baseUrl}/healthz`));
  });
});

describeOnEachDatabase(databases, 'npm run user:create', (database) => {
  test('creates a user from the command line (password on stdin) and refuses bad input', async () => {
    const stack = await Stack.start({ database });
    try {
      await stack.app.close();
      const env = { ...process.env, ...stack.databaseEnv, LOG_LEVEL: 'silent' };
      const cli = ['--conditions=source', '--import', 'tsx', 'apps/server/src/cli/user-create.ts'];
      const ok = spawnSync(process.execPath, [...cli, '--email', 'ops@wasla.test', '--role', 'operator', '--name', 'Ops'], { cwd: root, env, input: 'a long enough password\n', encoding: 'utf8' });
      assert.equal(ok.status, 0, ok.stderr);
      assert.match(ok.stdout, /Created operator ops@wasla.test/);
      const again = spawnSync(process.execPath, [...cli, '--email', 'ops@wasla.test', '--role', 'operator'], { cwd: root, env, input: 'a long enough password\n', encoding: 'utf8' });
      assert.equal(again.status, 1);
      assert.match(again.stderr, /already exists/);
      const bad = spawnSync(process.execPath, [...cli, '--email', 'nope', '--role', 'king'], { cwd: root, env, input: 'short\n', encoding: 'utf8' });
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /--email/);
      assert.match(bad.stderr, /--role/);
      assert.match(bad.stderr, /10 characters/);
    } finally {
      await stack.close();
    }
  });
});

test('the server refuses to start with bad settings (exit 2, every problem named), with REDIS_URL on SQLite, and says why when the cluster\'s services are out of reach', () => {
  const main = ['--conditions=source', '--import', 'tsx', 'apps/server/src/main.ts'];
  const start = (env: Record<string, string>) => spawnSync(process.execPath, main, { cwd: root, env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env }, encoding: 'utf8', timeout: 30_000 });
  const bad = start({ PORT: 'eighty', DATABASE_URL: 'mysql://nope' });
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /PORT/);
  assert.match(bad.stderr, /DATABASE_URL/);
  assert.match(bad.stderr, /\.env\.example/);
  const withSqlite = start({ REDIS_URL: 'redis://127.0.0.1:1' });
  assert.equal(withSqlite.status, 2);
  assert.match(withSqlite.stderr, /REDIS_URL/);
  const cluster = start({ REDIS_URL: 'redis://127.0.0.1:1', DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test' });
  assert.equal(cluster.status, 1, cluster.stderr);
  assert.match(cluster.stderr, /Wasla could not start/);
});
