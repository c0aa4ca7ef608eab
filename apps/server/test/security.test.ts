import { after, before, test } from './suite.js';
import assert from 'node:assert/strict';
import { WS_CLOSE } from '@wasla/protocol';
import { ADMIN, Stack, describeOnEachDatabase, testDatabases } from './harness.js';
import { TestSocket } from './ws-client.js';

const databases = await testDatabases();

describeOnEachDatabase(databases, 'security', (database) => {
  let stack: Stack;
  before(async () => {
    stack = await Stack.start({ database });
  });
  after(() => stack?.close());

  test('every /api route refuses the unauthenticated (walks the whole route table)', async () => {
    const routes = stack.app.routes.filter((route) => route.url.startsWith('/api') && route.method !== 'HEAD');
    assert.ok(routes.length >= 25, `only ${routes.length} /api routes found`);
    for (const { method, url } of routes) {
      const concrete = url.replace(/:id/g, 'default').replace(/\*/g, 'x');
      const response = await fetch(`${stack.baseUrl}${concrete}`, {
        method,
        headers: method === 'GET' || method === 'HEAD' ? {} : { 'content-type': 'application/json' },
        ...(method === 'GET' || method === 'HEAD' ? {} : { body: '{}' }),
      });
      const expected = url === '/api/auth/login' ? [400, 401] : url === '/api/auth/setup' ? [200] : [401];
      assert.ok(expected.includes(response.status), `${method} ${url} answered ${response.status} without authentication`);
    }
    // No route matched: a 404 that says nothing but "not found".
    const unknown = await fetch(`${stack.baseUrl}/api/not-a-route`);
    assert.equal(unknown.status, 404);
  });

  test('a bad API key is refused; a good one works; revoked stops working', async () => {
    const cookie = await stack.login();
    const created = await stack.api(cookie, 'POST', '/api/api-keys', { name: 'crm', role: 'operator' });
    assert.equal(created.status, 201);
    const key = created.json.key as string;
    const ok = await fetch(`${stack.baseUrl}/api/session/state`, { headers: { 'x-api-key': key } });
    assert.equal(ok.status, 200);
    const bad = await fetch(`${stack.baseUrl}/api/session/state`, { headers: { 'x-api-key': `${key.slice(0, -2)}xx` } });
    assert.equal(bad.status, 401);
    const list = await stack.api(cookie, 'GET', '/api/api-keys');
    assert.ok(!JSON.stringify(list.json).includes(key), 'the key is never listed');
    assert.equal((await stack.api(cookie, 'DELETE', `/api/api-keys/${created.json.apiKey.id}`)).status, 204);
    const revoked = await fetch(`${stack.baseUrl}/api/session/state`, { headers: { 'x-api-key': key } });
    assert.equal(revoked.status, 401);
  });

  test('the QR, pairing code and session control are admin-only', async () => {
    const cookie = await stack.login();
    await stack.api(cookie, 'POST', '/api/users', { email: 'op@wasla.test', name: 'Operator', password: 'operator password', role: 'operator' });
    const operator = await stack.login('op@wasla.test', 'operator password');
    for (const [method, url] of [['GET', '/api/session/qr'], ['POST', '/api/session/start'], ['POST', '/api/session/logout'], ['POST', '/api/session/pairing-code'], ['GET', '/api/users'], ['POST', '/api/api-keys']] as const) {
      const response = await stack.api(operator, method, url, method === 'POST' ? { phoneNumber: '0501234567', name: 'x' } : undefined);
      assert.equal(response.status, 403, `${method} ${url} → ${response.status}`);
      assert.equal(response.json.error.code, 'forbidden');
    }
    const state = await stack.api(operator, 'GET', '/api/session/state');
    assert.equal(state.status, 200);
    const socket = await TestSocket.open(stack.wsUrl, { cookie: operator, origin: stack.baseUrl });
    socket.send({ type: 'subscribe', events: ['session_update', 'qr_code'] });
    const refused = await socket.waitFor((m) => m.type === 'error');
    assert.equal(refused.type === 'error' && refused.data.code, 'not_allowed');
    socket.close();
  });

  test('cookie-authenticated changes from another origin are refused (CSRF)', async () => {
    const cookie = await stack.login();
    const response = await fetch(`${stack.baseUrl}/api/session/stop`, { method: 'POST', headers: { cookie, origin: 'https://evil.example' } });
    assert.equal(response.status, 403);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'csrf_rejected');
    const noOrigin = await fetch(`${stack.baseUrl}/api/session/stop`, { method: 'POST', headers: { cookie } });
    assert.equal(noOrigin.status, 403);
  });

  test('security headers are set', async () => {
    const response = await fetch(`${stack.baseUrl}/healthz`);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(response.headers.get('cross-origin-resource-policy'), 'same-origin');
    const cookie = await stack.login();
    const docs = await fetch(`${stack.baseUrl}/api/docs/`, { headers: { cookie } });
    assert.equal(docs.status, 200);
    assert.match(docs.headers.get('content-type') ?? '', /text\/html/);
    assert.match(docs.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.equal(docs.headers.get('x-frame-options'), 'DENY');
  });

  test('the WebSocket refuses the unauthenticated with 4401 and foreign origins with 4403', async () => {
    const anonymous = await TestSocket.open(stack.wsUrl);
    assert.equal(await anonymous.waitForClose(), WS_CLOSE.notAuthenticated);
    const cookie = await stack.login();
    const foreign = await TestSocket.open(stack.wsUrl, { cookie, origin: 'https://evil.example' });
    assert.equal(await foreign.waitForClose(), WS_CLOSE.notAllowed);
  });
  // Last: it uses up this client's login attempts.
  test('login: wrong password is a clear 401, the cookie is httpOnly and SameSite, attempts are rate-limited', async () => {
    const good = await fetch(`${stack.baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
    const cookie = good.headers.get('set-cookie') ?? '';
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Lax/i);
    let limited = false;
    for (let i = 0; i < 15 && !limited; i += 1) {
      const response = await fetch(`${stack.baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: ADMIN.email, password: 'wrong password' }) });
      if (response.status === 429) limited = true;
      else {
        assert.equal(response.status, 401);
        assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'invalid_credentials');
      }
    }
    assert.ok(limited, 'login attempts are rate-limited');
  });
});

