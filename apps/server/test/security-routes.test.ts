import { after, before, describe, test } from './suite.js';
import assert from 'node:assert/strict';
import http from 'node:http';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN, Stack, testDatabases } from './harness.js';
import { concretePath, spellingsOf } from './route-spellings.js';
import { TestSocket } from './ws-client.js';

// Every route in the table, spelled every way an attacker would, as every caller who
// should be refused: the router and the guard must never disagree about a path.

interface Answer {
  status: number;
  type: string;
  body: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

/** A raw request: the path goes out exactly as written (fetch would normalise it). */
function send(base: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const request = http.request({ agent, hostname, port, method, path, headers: { ...headers, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, type: String(response.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** Runs `work` over `items`, `width` at a time. */
async function eachLimited<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

/** What a refused caller may still be answered: health, or a dashboard file (never JSON data, CSV or a QR). */
function carriesNoData(answer: Answer): boolean {
  if (answer.status >= 400) return true;
  if (/^application\/json/.test(answer.type)) return /^\{"status":"(ok|ready)"\}$/.test(answer.body);
  return answer.status < 300 ? /^(text\/html|text\/css|text\/plain|application\/javascript|text\/javascript|image\/svg\+xml|text\/x-component)/.test(answer.type) : true;
}

const databases = await testDatabases();
const WEB_DIR = fileURLToPath(new URL('../../web/out', import.meta.url));

for (const database of databases) {
  describe(`every route, every spelling, every refused caller, on ${database.name}`, { skip: database.skip }, () => {
    let stack: Stack;
    let routes: { method: string; url: string; admin: boolean }[];
    const callers: Record<string, Record<string, string>> = {};
    const publicPrefixes = ['/healthz', '/readyz', '/api/auth/login', '/_next/static', '/login'];

    before(async () => {
      stack = await Stack.start({ database, env: { LOGIN_RATE_LIMIT: '1000' } });
      const admin = await stack.login();
      const origin = stack.baseUrl;
      // An operator, on the admin routes.
      await stack.api(admin, 'POST', '/api/users', { email: 'op@wasla.test', name: 'Operator', password: 'operator password', role: 'operator' });
      callers.operator = { cookie: await stack.login('op@wasla.test', 'operator password'), origin };
      // A revoked key, as X-Api-Key and as a bearer token.
      const revoked = (await stack.api(admin, 'POST', '/api/api-keys', { name: 'revoked', role: 'admin' })).json;
      await stack.api(admin, 'DELETE', `/api/api-keys/${revoked.apiKey.id}`);
      callers['revoked key'] = { 'x-api-key': revoked.key };
      callers['revoked bearer'] = { authorization: `Bearer ${revoked.key}` };
      // The admin key of an admin who was deleted afterwards.
      await stack.api(admin, 'POST', '/api/users', { email: 'leaver@wasla.test', name: 'Leaver', password: 'leaving for good 42', role: 'admin' });
      const leaver = await stack.login('leaver@wasla.test', 'leaving for good 42');
      const leaversKey = (await stack.api(leaver, 'POST', '/api/api-keys', { name: 'leaver', role: 'admin' })).json;
      const leaverId = (await stack.api(admin, 'GET', '/api/users')).json.items.find((user: { email: string }) => user.email === 'leaver@wasla.test').id;
      assert.equal((await stack.api(admin, 'DELETE', `/api/users/${leaverId}`)).status, 204);
      callers["deleted admin's key"] = { 'x-api-key': leaversKey.key };
      callers["deleted admin's login"] = { cookie: leaver, origin };
      // A login that logged out.
      const loggedOut = await stack.login();
      await stack.api(loggedOut, 'POST', '/api/auth/logout');
      callers['logged-out cookie'] = { cookie: loggedOut, origin };
      // Cookies that aren't ours, or aren't even valid.
      callers['malformed cookie'] = { cookie: 'wasla_session=%E0%A4%A', origin };
      callers['forged cookie'] = { cookie: `wasla_session=${'A'.repeat(43)}`, origin };
      callers['empty key'] = { 'x-api-key': ' ' };

      const table = stack.app.routes.filter((route) => route.method !== 'HEAD' && route.method !== 'OPTIONS' && !route.url.includes('*') && route.url !== '/');
      // The operator's own logout would end the caller this test needs; it is tested as every other caller.
      const withoutLogout = table.filter((route) => route.url !== '/api/auth/logout');
      const admins = await adminRoutes(stack, withoutLogout);
      routes = table.map((route) => ({ ...route, admin: admins.has(`${route.method} ${route.url}`) }));
    });
    after(() => stack.close());

    /** Which routes need an admin: the ones an operator is refused with 403. */
    async function adminRoutes(current: Stack, table: { method: string; url: string }[]): Promise<Set<string>> {
      const found = new Set<string>();
      await eachLimited(table, 8, async ({ method, url }) => {
        const answer = await send(current.baseUrl, method, concretePath(url), { ...callers.operator, 'content-type': 'application/json' }, method === 'GET' || method === 'DELETE' ? undefined : '{}');
        if (answer.status === 403) found.add(`${method} ${url}`);
      });
      return found;
    }

    const isPublic = (url: string): boolean => ['/healthz', '/readyz', '/api/auth/login', '/api/auth/setup'].includes(url);

    test('the route table is what this test thinks it is', () => {
      const protectedRoutes = routes.filter((route) => !isPublic(route.url));
      assert.ok(protectedRoutes.length >= 40, `only ${protectedRoutes.length} protected routes`);
      assert.ok(routes.filter((route) => route.admin).length >= 12, 'the admin routes were found');
      assert.ok(routes.some((route) => route.url === '/metrics'), '/metrics is in the table');
      assert.ok(routes.some((route) => route.url === '/api/cluster' && route.admin), '/api/cluster is in the table, for admins only');
    });

    test('without credentials, no spelling of any protected route answers data (also body-less POSTs, as a foreign page sends)', async () => {
      const leaks: string[] = [];
      let tried = 0;
      const requests = routes.filter((route) => !isPublic(route.url)).flatMap(({ method, url }) => {
        const path = concretePath(url);
        const paths = [path, ...spellingsOf(path, publicPrefixes)];
        const methods = method === 'GET' ? ['GET', 'HEAD'] : [method];
        return paths.flatMap((spelled) => methods.flatMap((m) => (m === 'POST' ? [{ m, spelled, body: '{}' }, { m, spelled, body: undefined }] : [{ m, spelled, body: m === 'GET' || m === 'HEAD' ? undefined : '{}' }])));
      });
      await eachLimited(requests, 8, async ({ m, spelled, body }) => {
        const answer = await send(stack.baseUrl, m, spelled, body === undefined ? {} : { 'content-type': 'application/json' }, body);
        tried += 1;
        // A HEAD has no body to judge: it must answer as its GET does, and the GET carry no data.
        const judged = m === 'HEAD' ? await send(stack.baseUrl, 'GET', spelled, {}) : answer;
        if (!carriesNoData(judged) || judged.status !== answer.status) leaks.push(`${m} ${spelled} → ${answer.status} ${answer.type} ${answer.body.slice(0, 80)}`);
      });
      assert.ok(tried > 2500, `only ${tried} requests`);
      assert.deepEqual(leaks, []);
    });

    test('no spelling of an admin route lets an operator in', async () => {
      const leaks: string[] = [];
      const requests = routes.filter((route) => route.admin).flatMap(({ method, url }) => [concretePath(url), ...spellingsOf(concretePath(url), publicPrefixes)].map((spelled) => ({ method, spelled })));
      await eachLimited(requests, 8, async ({ method, spelled }) => {
        const answer = await send(stack.baseUrl, method, spelled, { ...callers.operator, 'content-type': 'application/json' }, method === 'GET' || method === 'DELETE' ? undefined : '{"phoneNumber":"0501234567","name":"x","email":"x@wasla.test","password":"a strong enough secret 9","role":"admin"}');
        if (!carriesNoData(answer)) leaks.push(`${method} ${spelled} → ${answer.status} ${answer.body.slice(0, 80)}`);
      });
      assert.deepEqual(leaks, []);
      const users = (await stack.api(await stack.login(), 'GET', '/api/users')).json.items as { email: string }[];
      assert.ok(!users.some((user) => user.email === 'x@wasla.test'), 'no user was created');
    });

    test('ended and forged credentials (revoked key, deleted admin, logged out, malformed) open nothing, under any spelling', async () => {
      const leaks: string[] = [];
      const statuses = new Set<number>();
      const requests = Object.entries(callers)
        .filter(([name]) => name !== 'operator')
        .flatMap(([name, headers]) =>
          routes.filter((route) => !isPublic(route.url)).flatMap(({ method, url }) => {
            const path = concretePath(url);
            // Every route exactly, and a sample of spellings (the full set runs without credentials above).
            return [path, ...spellingsOf(path, publicPrefixes).filter((_, i) => i % 7 === 0)].map((spelled) => ({ name, headers, method, spelled }));
          }),
        );
      await eachLimited(requests, 8, async ({ name, headers, method, spelled }) => {
        const answer = await send(stack.baseUrl, method, spelled, { ...headers, 'content-type': 'application/json' }, method === 'GET' || method === 'DELETE' ? undefined : '{}');
        statuses.add(answer.status);
        if (!carriesNoData(answer)) leaks.push(`${name}: ${method} ${spelled} → ${answer.status} ${answer.body.slice(0, 80)}`);
      });
      assert.deepEqual(leaks, []);
      assert.ok(!statuses.has(500), 'no credential makes the server fail');
    });

    test('the WebSocket, under any spelling of /ws, refuses every refused caller', async () => {
      const spellings = ['/ws', ...spellingsOf('/ws', publicPrefixes)].filter((path) => !path.includes('#') && !path.includes('\\'));
      const opened: string[] = [];
      const anonymous = { '': {} } as Record<string, Record<string, string>>;
      for (const [name, headers] of Object.entries({ ...anonymous, ...callers })) {
        if (name === 'operator') continue;
        await eachLimited(spellings, 4, async (path) => {
          const outcome = await tryUpgrade(`${stack.wsUrl.slice(0, -3)}${path}`, { origin: stack.baseUrl, ...headers });
          if (outcome === 'received') opened.push(`${name || 'anonymous'} ${path}`);
        });
      }
      assert.deepEqual(opened, []);
    });

    test('a page that does not exist is the dashboard’s own 404 page with its CSP; an unknown API path is a JSON 404; neither needs a login', async (t) => {
      if (!existsSync(path.join(WEB_DIR, '404.html'))) return t.skip('the dashboard is not built (npm run build)');
      const page = await fetch(`${stack.baseUrl}/no-such-page/`, { headers: { accept: 'text/html' } });
      assert.equal(page.status, 404);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'( 'sha256-[^']+')+/);
      assert.equal(page.headers.get('x-frame-options'), 'DENY');
      assert.match(await page.text(), /<html/);
      const api = await fetch(`${stack.baseUrl}/api/no-such-route`, { headers: { accept: 'text/html' } });
      assert.equal(api.status, 404);
      assert.equal(((await api.json()) as { error: { code: string } }).error.code, 'not_found');
    });

    test('a logged-in admin still gets everything through the exact paths (the guard is not simply closed)', async () => {
      const cookie = await stack.login(ADMIN.email, ADMIN.password);
      assert.equal((await stack.api(cookie, 'GET', '/api/users')).status, 200);
      const socket = await stack.socket(cookie);
      socket.close();
    });
  });
}

/** Opens a socket and subscribes; 'received' if the server sent it anything but a refusal. */
async function tryUpgrade(url: string, headers: Record<string, string>): Promise<'refused' | 'received'> {
  let socket: TestSocket;
  try {
    socket = await TestSocket.open(url, headers);
  } catch {
    return 'refused'; // 404 or 401 before the upgrade
  }
  socket.send({ type: 'subscribe', events: ['session_update', 'qr_code'] });
  const code = await socket.waitForClose();
  return socket.received.length > 0 || code !== 4401 ? 'received' : 'refused';
}
