import { afterEach, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, apiFetch, onUnauthenticated } from '../lib/api.js';
import { createSessionActions } from './actions.js';
import { SessionStore } from './store.js';
import { makeState } from './testing.js';

function answer(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

describe('apiFetch', () => {
  afterEach(() => mock.restoreAll());

  test('JSON in and out, same-origin credentials', async () => {
    const fetchMock = mock.method(globalThis, 'fetch', async () => answer(200, { ok: true }));
    assert.deepEqual(await apiFetch('/api/x', { method: 'POST', body: { a: 1 } }), { ok: true });
    const [url, init] = fetchMock.mock.calls[0]!.arguments as [string, RequestInit];
    assert.equal(url, '/api/x');
    assert.equal(init.method, 'POST');
    assert.equal(init.credentials, 'same-origin');
    assert.equal(init.body, '{"a":1}');
    assert.equal((init.headers as Record<string, string>)['content-type'], 'application/json');
  });

  test('a conditional GET sends If-None-Match and reports 304 as not modified', async () => {
    const fetchMock = mock.method(globalThis, 'fetch', async () => new Response(null, { status: 304, headers: { etag: 'W/"1-2"' } }));
    const result = await apiFetch('/api/session/state', { etag: 'W/"1-2"' });
    assert.deepEqual(result, { notModified: true, status: 304, etag: 'W/"1-2"' });
    const init = fetchMock.mock.calls[0]!.arguments[1] as RequestInit;
    assert.equal((init.headers as Record<string, string>)['if-none-match'], 'W/"1-2"');
    mock.method(globalThis, 'fetch', async () => answer(200, { rev: 3 }, { etag: 'W/"1-3"' }));
    assert.deepEqual(await apiFetch('/api/session/state', { etag: null }), { notModified: false, status: 200, etag: 'W/"1-3"', data: { rev: 3 } });
  });

  test("errors carry the server's code, message and request id", async () => {
    mock.method(globalThis, 'fetch', async () => answer(409, { error: { code: 'already_running', message: 'The session is already running.', requestId: 'req-1' } }));
    await assert.rejects(apiFetch('/api/session/start', { method: 'POST' }), (error: unknown) => {
      assert.ok(error instanceof ApiError);
      assert.equal(error.code, 'already_running');
      assert.equal(error.status, 409);
      assert.equal(error.requestId, 'req-1');
      assert.equal(error.message, 'The session is already running.');
      return true;
    });
  });

  test('an upload is sent as it is, with the content type named; error details come back', async () => {
    const fetchMock = mock.method(globalThis, 'fetch', async () =>
      answer(400, { error: { code: 'invalid_csv', message: 'Line 3 has an unclosed quote.', details: { line: 3 } } }),
    );
    const csv = new Blob(['phone,name\n0551234567,Sara\n'], { type: 'application/vnd.ms-excel' });
    await assert.rejects(apiFetch('/api/campaigns/c1/recipients', { method: 'POST', upload: { data: csv, contentType: 'text/csv' } }), (error: unknown) => {
      assert.ok(error instanceof ApiError);
      assert.equal(error.code, 'invalid_csv');
      assert.deepEqual(error.details, { line: 3 });
      return true;
    });
    const init = fetchMock.mock.calls[0]!.arguments[1] as RequestInit;
    assert.equal(init.body, csv);
    assert.equal((init.headers as Record<string, string>)['content-type'], 'text/csv');
  });

  test("a network failure is code 'network'; an HTML error page still gives a clear error", async () => {
    mock.method(globalThis, 'fetch', async () => {
      throw new TypeError('fetch failed');
    });
    await assert.rejects(apiFetch('/api/x'), { name: 'ApiError', code: 'network', status: 0 });
    mock.method(globalThis, 'fetch', async () => new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    await assert.rejects(apiFetch('/api/x'), { code: 'http_502', message: 'The server answered 502 Bad Gateway.' });
  });

  test('an abort stays an AbortError', async () => {
    mock.method(globalThis, 'fetch', async () => {
      throw new DOMException('aborted', 'AbortError');
    });
    await assert.rejects(apiFetch('/api/x'), { name: 'AbortError' });
  });

  test('401 tells the onUnauthenticated listeners, but not for a failed login', async () => {
    const heard: string[] = [];
    const off = onUnauthenticated((error) => heard.push(error.code));
    mock.method(globalThis, 'fetch', async () => answer(401, { error: { code: 'unauthenticated', message: 'Log in first.' } }));
    await assert.rejects(apiFetch('/api/messages'), { status: 401 });
    mock.method(globalThis, 'fetch', async () => answer(401, { error: { code: 'invalid_credentials', message: 'Wrong email or password.' } }));
    await assert.rejects(apiFetch('/api/auth/login', { method: 'POST', body: {} }), { code: 'invalid_credentials' });
    off();
    mock.method(globalThis, 'fetch', async () => answer(401, { error: { code: 'unauthenticated', message: 'Log in first.' } }));
    await assert.rejects(apiFetch('/api/messages'));
    assert.deepEqual(heard, ['unauthenticated']);
  });
});

describe('session actions', () => {
  test('post the command and apply the answered state at once (source action)', async () => {
    const store = new SessionStore('sales');
    const posts: Array<[string, unknown]> = [];
    const actions = createSessionActions(store, async (path, body) => {
      posts.push([path, body]);
      return makeState({ sessionId: 'sales', rev: 2, status: 'pairing', pairingCode: 'ABCD-1234' });
    });
    const state = await actions.requestPairingCode('0501234567');
    assert.deepEqual(posts, [['/api/sessions/sales/pairing-code', { phoneNumber: '0501234567' }]]);
    assert.equal(state.pairingCode, 'ABCD-1234');
    assert.equal(store.getSnapshot().state?.status, 'pairing');
    assert.equal(store.getSnapshot().source, 'action');
  });

  test('errors reach the caller; the store is untouched', async () => {
    const store = new SessionStore('default');
    const actions = createSessionActions(store, async () => {
      throw new ApiError('forbidden', 'Only admins may control the session.', 403);
    });
    await assert.rejects(actions.start(), { code: 'forbidden' });
    assert.equal(store.getSnapshot().state, null);
  });
});
