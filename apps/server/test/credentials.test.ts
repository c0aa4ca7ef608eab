import { after, before, describe, test } from './suite.js';
import assert from 'node:assert/strict';
import net from 'node:net';
import { WS_CLOSE } from '@wasla/protocol';
import { ADMIN, Stack, testDatabases } from './harness.js';
import { TestSocket } from './ws-client.js';

// Credentials end everywhere, at once: a socket opened with a login or a key is closed
// (or narrowed) within a second of that login or key ending or changing.
const WITHIN_A_SECOND = 1000;

const databases = await testDatabases();

for (const database of databases) {
  describe(`credentials end everywhere, on ${database.name}`, { skip: database.skip }, () => {
    let stack: Stack;
    let admin: string;
    let people = 0;

    before(async () => {
      stack = await Stack.start({ database, env: { LOGIN_RATE_LIMIT: '1000', WS_MAX_CLIENTS_PER_USER: '4', HTTP_HEADERS_TIMEOUT_MS: '500', HTTP_REQUEST_TIMEOUT_MS: '1500' } });
      admin = await stack.login();
    });
    after(() => stack.close());

    /** A new user with a login cookie; each test gets its own person. */
    async function person(role: 'admin' | 'operator' = 'operator'): Promise<{ id: string; email: string; password: string; cookie: string }> {
      people += 1;
      const email = `person${people}@wasla.test`;
      const password = `a quiet harbour ${people} at dawn`;
      const created = await stack.api(admin, 'POST', '/api/users', { email, name: `Person ${people}`, password, role });
      assert.equal(created.status, 201, JSON.stringify(created.json));
      return { id: created.json.id, email, password, cookie: await stack.login(email, password) };
    }

    async function keyOf(cookie: string, role: 'admin' | 'operator'): Promise<{ id: string; key: string }> {
      const created = await stack.api(cookie, 'POST', '/api/api-keys', { name: `key ${role}`, role });
      assert.equal(created.status, 201);
      return { id: created.json.apiKey.id, key: created.json.key };
    }

    const keySocket = async (key: string): Promise<TestSocket> => {
      const socket = await TestSocket.open(stack.wsUrl, { 'x-api-key': key });
      socket.send({ type: 'subscribe', events: ['session_update'] });
      await socket.waitFor((m) => m.type === 'session_update');
      return socket;
    };

    const status = async (headers: Record<string, string>, path = '/api/session/state'): Promise<number> => (await fetch(`${stack.baseUrl}${path}`, { headers })).status;

    test('logout closes that login’s socket within a second; another login of the same user stays open', async () => {
      const someone = await person();
      const other = await stack.login(someone.email, someone.password);
      const [ending, staying] = [await stack.socket(someone.cookie), await stack.socket(other)];
      assert.equal((await stack.api(someone.cookie, 'POST', '/api/auth/logout')).status, 204);
      assert.equal(await ending.waitForClose(WITHIN_A_SECOND), WS_CLOSE.notAuthenticated);
      assert.equal(await status({ cookie: someone.cookie }), 401);
      assert.equal(staying.closeCode, null);
      assert.equal(await status({ cookie: other }), 200);
      staying.close();
    });

    test('deleting a user closes their sockets (logins and keys) within a second; their keys stop working', async () => {
      const leaver = await person('admin');
      const key = await keyOf(leaver.cookie, 'admin');
      const [byCookie, byKey] = [await stack.socket(leaver.cookie), await keySocket(key.key)];
      assert.equal((await stack.api(admin, 'DELETE', `/api/users/${leaver.id}`)).status, 204);
      assert.equal(await byCookie.waitForClose(WITHIN_A_SECOND), WS_CLOSE.notAuthenticated);
      assert.equal(await byKey.waitForClose(WITHIN_A_SECOND), WS_CLOSE.notAuthenticated);
      assert.equal(await status({ 'x-api-key': key.key }, '/api/users'), 401);
      assert.equal(await status({ authorization: `Bearer ${key.key}` }), 401);
      const listed = (await stack.api(admin, 'GET', '/api/api-keys')).json.items.find((item: { id: string }) => item.id === key.id);
      assert.ok(listed.revokedAt, 'the leaver’s key is listed as revoked');
    });

    test('revoking a key closes the sockets it opened within a second', async () => {
      const key = await keyOf(admin, 'operator');
      const socket = await keySocket(key.key);
      assert.equal((await stack.api(admin, 'DELETE', `/api/api-keys/${key.id}`)).status, 204);
      assert.equal(await socket.waitForClose(WITHIN_A_SECOND), WS_CLOSE.notAuthenticated);
    });

    test('changing your password ends your other logins (sockets within a second) and keeps this one', async () => {
      const someone = await person();
      const elsewhere = await stack.login(someone.email, someone.password);
      const [mine, theirs] = [await stack.socket(someone.cookie), await stack.socket(elsewhere)];
      const changed = await stack.api(someone.cookie, 'PATCH', '/api/auth/me', { currentPassword: someone.password, newPassword: 'a brand new sentence 77' });
      assert.equal(changed.status, 200, JSON.stringify(changed.json));
      assert.equal(await theirs.waitForClose(WITHIN_A_SECOND), WS_CLOSE.notAuthenticated);
      assert.equal(await status({ cookie: elsewhere }), 401);
      assert.equal(await status({ cookie: someone.cookie }), 200);
      assert.equal(mine.closeCode, null);
      await assert.rejects(stack.login(someone.email, someone.password), /401/);
      await stack.login(someone.email, 'a brand new sentence 77');
      mine.close();
    });

    test('an admin setting a new password ends every login of that user', async () => {
      const someone = await person();
      const socket = await stack.socket(someone.cookie);
      const reset = await stack.api(admin, 'PATCH', `/api/users/${someone.id}`, { password: 'given by the admin 31' });
      assert.equal(reset.status, 200, JSON.stringify(reset.json));
      assert.equal(await socket.waitForClose(WITHIN_A_SECOND), WS_CLOSE.notAuthenticated);
      assert.equal(await status({ cookie: someone.cookie }), 401);
    });

    test('lowering a role narrows open sockets within a second (no QR any more) and what their keys may do', async () => {
      const demoted = await person('admin');
      const key = await keyOf(demoted.cookie, 'admin');
      const socket = await stack.socket(demoted.cookie);
      assert.equal((await stack.api(admin, 'POST', '/api/session/start')).status, 200);
      await socket.waitFor((m) => m.type === 'qr_code');
      const before = socket.received.length;
      const lowered = await stack.api(admin, 'PATCH', `/api/users/${demoted.id}`, { role: 'operator' });
      assert.equal(lowered.status, 200);
      assert.equal(lowered.json.role, 'operator');
      const redacted = await socket.waitFor((m) => m.type === 'session_update' && m.data.status === 'qr' && m.data.qrCode === null, WITHIN_A_SECOND, before);
      assert.ok(redacted);
      // A new QR code reaches the admins, not the demoted socket.
      const watcher = await stack.socket(admin);
      const seen = watcher.received.length;
      assert.equal((await stack.api(admin, 'POST', '/api/session/restart')).status, 200);
      await watcher.waitFor((m) => m.type === 'qr_code', 15_000, seen);
      assert.equal(socket.received.slice(before).some((m) => m.type === 'qr_code'), false);
      assert.ok(socket.received.slice(before).every((m) => m.type !== 'session_update' || m.data.qrCode === null));
      assert.equal(socket.closeCode, null, 'narrowed, not closed');
      // Their admin key is now an operator's key.
      assert.equal(await status({ 'x-api-key': key.key }, '/api/users'), 403);
      assert.equal(await status({ 'x-api-key': key.key }), 200);
      assert.equal(await status({ cookie: demoted.cookie }, '/api/session/qr'), 403);
      assert.equal((await stack.api(admin, 'POST', '/api/session/stop')).status, 200);
      socket.close();
      watcher.close();
    });

    test('the last admin cannot be demoted, nor an admin demote themselves', async () => {
      const me = (await stack.api(admin, 'GET', '/api/auth/me')).json.user.id as string;
      const self = await stack.api(admin, 'PATCH', `/api/users/${me}`, { role: 'operator' });
      assert.equal(self.status, 409);
      assert.equal((await stack.api(admin, 'GET', '/api/auth/me')).json.role, 'admin');
    });

    test('one user may hold at most WS_MAX_CLIENTS_PER_USER sockets; the next is refused with 4429; others are not affected', async () => {
      const someone = await person();
      const sockets = await Promise.all(Array.from({ length: 4 }, () => stack.socket(someone.cookie)));
      const fifth = await TestSocket.open(stack.wsUrl, { cookie: someone.cookie, origin: stack.baseUrl });
      assert.equal(await fifth.waitForClose(), WS_CLOSE.tooManyConnections);
      assert.match(fifth.closeReason, /at most 4 connections/);
      const others = await stack.socket(admin);
      sockets[0]!.close();
      await sockets[0]!.waitForClose();
      // The freed place is available again (the server may see the close a moment later).
      let again: TestSocket | null = null;
      for (let attempt = 0; attempt < 20 && !again; attempt += 1) {
        const candidate = await TestSocket.open(stack.wsUrl, { cookie: someone.cookie, origin: stack.baseUrl });
        candidate.send({ type: 'subscribe', events: ['session_update'] });
        const outcome = await Promise.race([candidate.waitFor((m) => m.type === 'session_update').then(() => 'open'), candidate.waitForClose().then(() => 'closed')]);
        if (outcome === 'open') again = candidate;
      }
      assert.ok(again, 'a place freed by a close can be taken again');
      for (const socket of [...sockets.slice(1), others, again]) socket.close();
    });

    test('wrong current passwords are limited per user (429); language changes are not', async () => {
      const someone = await person();
      const statuses: number[] = [];
      for (let i = 0; i < 7; i += 1) {
        statuses.push((await stack.api(someone.cookie, 'PATCH', '/api/auth/me', { currentPassword: `wrong guess ${i}`, newPassword: 'an entirely new phrase 5' })).status);
      }
      assert.deepEqual(statuses.slice(0, 5), [401, 401, 401, 401, 401]);
      assert.deepEqual(statuses.slice(5), [429, 429]);
      assert.equal((await stack.api(someone.cookie, 'PATCH', '/api/auth/me', { locale: 'ar' })).status, 200);
      // Another user is not limited by this one's guesses.
      const other = await person();
      assert.equal((await stack.api(other.cookie, 'PATCH', '/api/auth/me', { currentPassword: 'wrong', newPassword: 'an entirely new phrase 6' })).status, 401);
    });

    test('easily guessed passwords are refused with advice, and nothing changes', async () => {
      const someone = await person();
      // Common, repeated, keyboard walks, sequences, too short — and built from the person's own email.
      const weak = (email: string): string[] => ['aaaaaaaaaaaa', 'password123', 'qwertyuiop', '1234567890', 'short', `${email}1`, 'Password1234', 'abcabcabcabc'];
      for (const [index, password] of weak('weak@wasla.test').entries()) {
        const created = await stack.api(admin, 'POST', '/api/users', { email: 'weak@wasla.test', name: 'Weak', password, role: 'operator' });
        assert.equal(created.status, 400, `${password} was accepted for a new user`);
        assert.equal(created.json.error.code, 'weak_password');
        assert.ok(created.json.error.message.length > 20, 'the answer says why');
        const changed = await stack.api(someone.cookie, 'PATCH', '/api/auth/me', { currentPassword: someone.password, newPassword: weak(someone.email)[index] });
        assert.equal(changed.json.error.code, 'weak_password', `${weak(someone.email)[index]} was accepted as a new password`);
      }
      await stack.login(someone.email, someone.password);
      assert.equal((await stack.api(admin, 'GET', '/api/users')).json.items.some((user: { name: string }) => user.name === 'Weak'), false);
    });

    test('a malformed cookie or key is a 401, on HTTP and on the WebSocket', async () => {
      for (const cookie of ['wasla_session=%E0%A4%A', 'wasla_session=%', 'wasla_session=\u00ff', `wasla_session=${'x'.repeat(4000)}`, 'wasla_session']) {
        assert.equal(await status({ cookie }), 401, cookie.slice(0, 40));
        const socket = await TestSocket.open(stack.wsUrl, { cookie, origin: stack.baseUrl });
        assert.equal(await socket.waitForClose(), WS_CLOSE.notAuthenticated);
      }
      for (const key of ['wsk_', 'not-a-key', 'Bearer', 'wsk_\u00e9']) assert.equal(await status({ 'x-api-key': key }), 401, key);
      assert.equal(await status({ authorization: 'Bearer' }), 401);
      assert.equal(await status({ authorization: 'Basic YWRtaW46cGFzcw==' }), 401);
    });

    test('a path with bad percent-encoding is a 400 in our own words, without the path echoed', async () => {
      for (const path of ['/api/users%FF', '/api/%E0%A4%A', '/%', '/api/campaigns/%C0%AF']) {
        const response = await fetch(`${stack.baseUrl}${path}`);
        assert.equal(response.status, 400, path);
        const body = (await response.json()) as { error: { code: string; message: string; requestId: string } };
        assert.equal(body.error.code, 'bad_request');
        assert.ok(body.error.requestId);
        assert.ok(!JSON.stringify(body).includes('%'), 'the path is not echoed');
      }
    });

    test('a client that sends its headers too slowly, or never finishes its body, is cut off', async () => {
      const { port } = new URL(stack.baseUrl);
      const slowHeaders = await dripUntilClosed(Number(port), ['GET /healthz HTTP/1.1\r\n', 'Host: x\r\n', 'X-A: 1\r\n', 'X-B: 2\r\n', 'X-C: 3\r\n', 'X-D: 4\r\n', 'X-E: 5\r\n', 'X-F: 6\r\n']);
      assert.ok(slowHeaders.closed, 'a slow-header connection is closed');
      assert.match(slowHeaders.answer, /^HTTP\/1\.1 408|^$/);
      const cookie = await stack.login(ADMIN.email, ADMIN.password);
      const slowBody = await dripUntilClosed(Number(port), [`POST /api/suppressions HTTP/1.1\r\nHost: x\r\nCookie: ${cookie}\r\nOrigin: ${stack.baseUrl}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"phone":`, ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ']);
      assert.ok(slowBody.closed, 'a body that never ends is cut off');
    });
  });
}

/**
 * Sends `parts` one every 300 ms (longer than the test server's header timeout allows
 * in all) and reports whether the server closed the connection before the parts ran out.
 */
function dripUntilClosed(port: number, parts: string[]): Promise<{ closed: boolean; answer: string }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    let index = 0;
    const timer = setInterval(() => {
      if (index >= parts.length) {
        clearInterval(timer);
        socket.destroy();
        resolve({ closed: false, answer });
        return;
      }
      socket.write(parts[index++]!);
    }, 300);
    socket.on('data', (data) => (answer += data.toString()));
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ closed: index < parts.length, answer });
    });
    socket.on('error', () => undefined);
  });
}
