import { after, before, test } from './suite.js';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { compareStamps, sessionStateEtag } from '@wasla/protocol';
import type { SessionState } from '@wasla/protocol';
import { Stack, describeOnEachDatabase, testDatabases } from './harness.js';
import { TestSocket } from './ws-client.js';

const databases = await testDatabases();

describeOnEachDatabase(databases, 'WebSocket protocol', (database) => {
  let stack: Stack;
  let cookie: string;
  before(async () => {
    stack = await Stack.start({ database, env: { WA_QR_TIMEOUT_MS: '300' } });
    cookie = await stack.login();
  });
  after(() => stack?.close());

  test("the seed's subscribe message is answered at once with the full state", async () => {
    const socket = await TestSocket.open(stack.wsUrl, { cookie, origin: stack.baseUrl });
    socket.send('{"type":"subscribe","events":["session_update","qr_code"]}');
    const first = await socket.waitFor((m) => m.type === 'session_update');
    assert.equal(first.type, 'session_update');
    if (first.type !== 'session_update') return;
    assert.equal(first.data.sessionId, 'default');
    for (const key of ['epoch', 'rev', 'status', 'isReady', 'qrCode', 'qrExpiresAt', 'pairingCode', 'phoneNumber', 'lastUpdate', 'error', 'errorCode', 'nextRetryAt']) {
      assert.ok(key in first.data, `state carries ${key}`);
    }
    assert.equal(first.epoch, first.data.epoch);
    socket.send({ type: 'ping', t: 42 });
    const pong = await socket.waitFor((m) => m.type === 'pong');
    assert.deepEqual(pong, { type: 'pong', t: 42 });
    socket.close();
  });

  test('every transition reaches every subscriber in order; a poll is never older than a push', async () => {
    const sockets = await Promise.all(Array.from({ length: 5 }, () => stack.socket(cookie)));
    const polls: { poll: SessionState; pushedBefore: { epoch: number; rev: number } | undefined }[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const pushedBefore = sockets[0]!.sessionUpdates().at(-1);
        const response = await stack.api(cookie, 'GET', '/api/session/state');
        polls.push({ poll: response.json as SessionState, pushedBefore });
      }
    })();
    // One QR cycle: start → connecting → qr (rotates) → failed.
    await stack.api(cookie, 'POST', '/api/session/start');
    await Promise.all(sockets.map((socket) => socket.waitForStatus('failed', 20_000)));
    polling = false;
    await poller;
    const reference = sockets[0]!.sessionUpdates().map((m) => `${m.epoch}/${m.rev}/${m.data.status}`);
    assert.ok(reference.length >= 5, `saw ${reference.length} updates`);
    for (const socket of sockets) {
      assert.deepEqual(socket.sessionUpdates().map((m) => `${m.epoch}/${m.rev}/${m.data.status}`), reference, 'every client sees the same sequence');
      const stamps = socket.sessionUpdates();
      for (let i = 1; i < stamps.length; i += 1) assert.ok(compareStamps(stamps[i]!, stamps[i - 1]!) > 0, 'strictly increasing (epoch, rev)');
      socket.close();
    }
    // A poll made after a push was received never answers an older state, and polls never go backwards.
    assert.ok(polls.length > 3);
    for (const { poll, pushedBefore } of polls) if (pushedBefore) assert.ok(compareStamps(poll, pushedBefore) >= 0, 'poll older than a push');
    for (let i = 1; i < polls.length; i += 1) assert.ok(compareStamps(polls[i]!.poll, polls[i - 1]!.poll) >= 0);
  });

  test('ETag from (epoch, rev); If-None-Match answers 304', async () => {
    const first = await stack.api(cookie, 'GET', '/api/session/state');
    const etag = first.headers.get('etag');
    assert.equal(etag, sessionStateEtag(first.json));
    const cached = await fetch(`${stack.baseUrl}/api/session/state`, { headers: { cookie, 'if-none-match': etag! } });
    assert.equal(cached.status, 304);
    assert.equal(await cached.text(), '');
    const stale = await fetch(`${stack.baseUrl}/api/session/state`, { headers: { cookie, 'if-none-match': 'W/"1-1"' } });
    assert.equal(stale.status, 200);
  });

  test('thousands of malformed, oversized, unknown and flooding messages: clear errors, no crash, no state change', async () => {
    const before = stack.app.sessions.state('default');
    const socket = await stack.socket(cookie);
    const errorsBefore = socket.received.filter((m) => m.type === 'error').length;
    const bad: (string | Buffer)[] = [
      'not json',
      '{"type":"subscribe"}',
      '{"type":"subscribe","events":["nope"]}',
      '{"type":"launch_missiles"}',
      '[]',
      'null',
      '{"type":"subscribe","events":"session_update"}',
      JSON.stringify({ type: 'subscribe', events: ['session_update'], sessionId: 'nobody' }),
      'x'.repeat(10_000),
      Buffer.from([0, 1, 2, 3]),
      '{"__proto__":{"polluted":true},"type":"ping"}',
    ];
    // Slow enough to stay under the rate limit, so every message gets its own answer.
    for (const message of bad) {
      const count = socket.received.length;
      socket.socket.send(message);
      await socket.waitFor((m) => m.type === 'error' || m.type === 'pong', 5_000, count);
    }
    const errors = socket.received.filter((m) => m.type === 'error');
    assert.ok(errors.length - errorsBefore >= bad.length - 1);
    for (const error of errors) assert.ok(error.type === 'error' && error.data.code && error.data.message);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);

    // A flood: thousands at once. The server answers rate_limited and stays up.
    for (let i = 0; i < 3000; i += 1) socket.socket.send(i % 2 ? 'garbage' : '{"type":"ping"}');
    await socket.waitFor((m) => m.type === 'error' && m.data.code === 'rate_limited', 10_000);
    const health = await fetch(`${stack.baseUrl}/healthz`);
    assert.equal(health.status, 200);
    const after = stack.app.sessions.state('default');
    assert.equal(after.rev, before.rev, 'no state change');

    // Far past the frame limit closes that one socket (1009), nothing else.
    const big = await stack.socket(cookie);
    big.socket.send('y'.repeat(200_000));
    assert.equal(await big.waitForClose(), 1009);
    socket.close();
  });

  test('a client that stops reading is dropped before its buffer grows without bound', async () => {
    const app = stack.app;
    const reader = await stack.socket(cookie);
    // Pause the client's socket so the server's writes back up behind it.
    (reader.socket as unknown as { _socket: Socket })._socket.pause();
    const payload = 'z'.repeat(4096);
    for (let i = 0; i < 3000 && app.ws.size > 0; i += 1) {
      app.bus.publish('message_status', { id: `m${i}-${payload}`, sessionId: 'default', status: 'sent', error: null, errorCode: null, updatedAt: new Date().toISOString() });
      if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    (reader.socket as unknown as { _socket: Socket })._socket.resume();
    const code = await reader.waitForClose(10_000);
    assert.ok(code === 1006 || code === 1005, `dropped (close ${code})`);
  });
});

describeOnEachDatabase(databases, 'REST bad input', (database) => {
  let stack: Stack;
  let cookie: string;
  before(async () => {
    stack = await Stack.start({ database });
    cookie = await stack.login();
  });
  after(() => stack?.close());

  test('malformed, oversized and wrongly typed bodies get clear 4xx errors and change nothing', async () => {
    const before = stack.app.sessions.state('default');
    const cases: { path: string; body: string; type?: string }[] = [
      { path: '/api/messages', body: 'not json' },
      { path: '/api/messages', body: '{}' },
      { path: '/api/messages', body: '{"to":"","text":"hi"}' },
      { path: '/api/messages', body: '{"to":12,"text":["x"]}' },
      { path: '/api/messages', body: JSON.stringify({ to: '0501234567', text: 'x'.repeat(5000) }) },
      { path: '/api/messages', body: JSON.stringify({ to: 'hello', text: 'hi' }) },
      { path: '/api/messages', body: 'x'.repeat(300_000) },
      { path: '/api/messages', body: '<xml/>', type: 'application/xml' },
      { path: '/api/session/pairing-code', body: '{"phoneNumber":"abc"}' },
      { path: '/api/users', body: '{"email":"not-an-email","name":"x","password":"short","role":"god"}' },
      { path: '/api/auth/login', body: '{"email":1}' },
    ];
    for (let round = 0; round < 100; round += 1) {
      for (const { path, body, type } of cases) {
        const response = await fetch(`${stack.baseUrl}${path}`, { method: 'POST', headers: { cookie, origin: stack.baseUrl, 'content-type': type ?? 'application/json' }, body });
        assert.ok(response.status >= 400 && response.status < 500, `${path} ${body.slice(0, 30)} → ${response.status}`);
        const json = (await response.json()) as { error: { code: string; message: string; requestId: string } };
        assert.ok(json.error.code && json.error.message && json.error.requestId, JSON.stringify(json));
      }
    }
    const notReady = await stack.api(cookie, 'POST', '/api/messages', { to: '0501234567', text: 'hi' });
    assert.equal(notReady.status, 409);
    assert.equal(notReady.json.error.code, 'session_not_ready');
    assert.match(notReady.json.error.message, /stopped/);
    assert.equal((await stack.api(cookie, 'GET', '/api/messages')).json.items.length, 0);
    assert.equal(stack.app.sessions.state('default').rev, before.rev);
    assert.equal((await fetch(`${stack.baseUrl}/healthz`)).status, 200);
  });
});
