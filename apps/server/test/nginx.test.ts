import assert from 'node:assert/strict';
import { ADMIN, Stack, testDatabases } from './harness.js';
import { testNumber } from './campaign-flows.js';
import { nginxSkip, startNginx } from './nginx.js';
import type { TestNginx } from './nginx.js';
import { after, before, describe, test } from './suite.js';
import { TestSocket } from './ws-client.js';

const [sqlite] = await testDatabases();

/** A request to Wasla through nginx, as a browser on nginx's address makes it. */
async function through(nginx: TestNginx, cookie: string, method: string, url: string, body?: string, type = 'application/json') {
  const response = await fetch(`${nginx.url}${url}`, {
    method,
    headers: { cookie, origin: nginx.url, ...(body === undefined ? {} : { 'content-type': type }) },
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : null };
}

describe('Wasla behind nginx (deploy/nginx.conf.template)', { skip: nginxSkip || sqlite!.skip }, () => {
  let stack: Stack;
  let nginx: TestNginx;
  let cookie: string;
  before(async () => {
    stack = await Stack.start({ database: sqlite! });
    nginx = await startNginx([new URL(stack.baseUrl).host]);
    const login = await fetch(`${nginx.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: nginx.url },
      body: JSON.stringify({ email: ADMIN.email, password: ADMIN.password }),
    });
    assert.equal(login.status, 200, 'a login on nginx\'s address passes the Origin check (nginx keeps the Host with its port)');
    cookie = login.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ');
  });
  after(async () => {
    await nginx?.close();
    await stack?.close();
  });

  test('the dashboard, the API and /readyz answer through it', async () => {
    assert.deepEqual(await (await fetch(`${nginx.url}/readyz`)).json(), { status: 'ready' });
    assert.equal((await fetch(`${nginx.url}/`)).status, 200);
    assert.equal((await through(nginx, cookie, 'GET', '/api/session/state')).json.status, 'stopped');
  });

  test('/ws upgrades through it: a command sent through nginx comes back live on the socket', async () => {
    const socket = await TestSocket.open(`${nginx.url.replace(/^http/, 'ws')}/ws`, { cookie, origin: nginx.url });
    try {
      socket.send({ type: 'subscribe', events: ['session_update', 'qr_code'] });
      await socket.waitFor((m) => m.type === 'session_update');
      assert.equal((await through(nginx, cookie, 'POST', '/api/session/start')).status, 200);
      await socket.waitForStatus('qr', 20_000);
      await socket.waitFor((m) => m.type === 'qr_code');
    } finally {
      socket.close();
    }
  });

  test('a CSV audience streams through it (no size limit of nginx in the way; Wasla keeps its own)', async () => {
    const draft = await through(nginx, cookie, 'POST', '/api/campaigns', JSON.stringify({ name: 'Through nginx', template: 'Hi {{name}}' }));
    assert.equal(draft.status, 201);
    const rows = ['phone,name', ...Array.from({ length: 20_000 }, (_, i) => `${testNumber(i + 1)},Person ${i}`)].join('\n');
    assert.ok(rows.length > 512 * 1024, 'past the sizes proxies buffer in memory');
    const imported = await through(nginx, cookie, 'POST', `/api/campaigns/${draft.json.id}/recipients`, rows, 'text/csv');
    assert.equal(imported.status, 200, JSON.stringify(imported.json));
    assert.deepEqual([imported.json.rows, imported.json.accepted], [20_000, 20_000]);
  });
});
