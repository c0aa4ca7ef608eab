import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { SessionState } from '@wasla/protocol';
import { ApiError } from '../lib/api.js';
import { POLL_INTERVAL_MS, SessionPoller, sessionPath } from './poller.js';
import type { FetchSessionState } from './poller.js';
import { SessionStore } from './store.js';
import { FakeClock, FakeDocument, flush, makeState } from './testing.js';

/** A fetchState whose answers the test releases one by one. */
function scriptedServer() {
  const calls: Array<{ etag: string | null; signal: AbortSignal; answer(state: SessionState | null): void; fail(error: unknown): void }> = [];
  const fetchState: FetchSessionState = (_sessionId, etag, signal) =>
    new Promise((resolve, reject) => calls.push({ etag, signal, answer: resolve, fail: reject }));
  const call = (index: number) => {
    const found = calls[index];
    assert.ok(found, `request #${index} was made`);
    return found;
  };
  return { fetchState, calls, call };
}

function setup() {
  const clock = new FakeClock();
  const document = new FakeDocument();
  const store = new SessionStore('default');
  const server = scriptedServer();
  const poller = new SessionPoller({ store, clock, fetchState: server.fetchState, shouldPoll: () => document.visibilityState !== 'hidden' });
  return { clock, document, store, server, poller };
}

describe('SessionPoller', () => {
  test('polls at once, then every 10 s, sending the ETag of the state the store holds', async () => {
    const { clock, store, server, poller } = setup();
    poller.start();
    assert.equal(server.calls.length, 1);
    assert.equal(server.call(0).etag, null);
    server.call(0).answer(makeState({ rev: 7 }));
    await flush();
    assert.equal(store.getSnapshot().state?.rev, 7);
    assert.equal(store.getSnapshot().source, 'poll');
    clock.advance(POLL_INTERVAL_MS);
    assert.equal(server.calls.length, 2);
    assert.equal(server.call(1).etag, 'W/"1-7"');
    server.call(1).answer(null); // 304
    await flush();
    assert.equal(store.getSnapshot().state?.rev, 7);
    poller.cleanup();
  });

  test('a hidden tab does not poll; it resumes once visible', async () => {
    const { clock, document, server, poller } = setup();
    document.visibilityState = 'hidden';
    poller.start();
    clock.advance(POLL_INTERVAL_MS * 5);
    assert.equal(server.calls.length, 0);
    document.visibilityState = 'visible';
    clock.advance(POLL_INTERVAL_MS);
    assert.equal(server.calls.length, 1);
    poller.cleanup();
  });

  test('refresh() reuses the request in flight: same promise, one request', async () => {
    const { server, poller, store } = setup();
    const first = poller.refresh();
    const second = poller.refresh();
    assert.equal(first, second);
    assert.equal(server.calls.length, 1);
    server.call(0).answer(makeState({ rev: 2 }));
    await first;
    assert.equal(store.getSnapshot().state?.rev, 2);
    const third = poller.refresh();
    assert.notEqual(third, first, 'a finished request is not reused');
    assert.equal(server.calls.length, 2);
  });

  test('a scheduled poll joins a refresh already in flight', () => {
    const { clock, server, poller } = setup();
    void poller.refresh();
    poller.start();
    assert.equal(server.calls.length, 1);
    clock.advance(POLL_INTERVAL_MS);
    assert.equal(server.calls.length, 1, 'still in flight: no second request');
    poller.cleanup();
  });

  test('a late answer older than what the WebSocket delivered is ignored', async () => {
    const { server, poller, store } = setup();
    const pending = poller.refresh();
    store.apply(makeState({ rev: 9, status: 'ready' }), 'ws');
    server.call(0).answer(makeState({ rev: 8, status: 'qr' }));
    await pending;
    assert.equal(store.getSnapshot().state?.status, 'ready');
    assert.equal(store.getSnapshot().source, 'ws');
  });

  test('a failure lands in fetchError (refresh never rejects); success clears it', async () => {
    const { server, poller, store } = setup();
    const failed = poller.refresh();
    server.call(0).fail(new ApiError('network', 'Could not reach the Wasla server.', 0));
    await failed;
    assert.deepEqual(store.getSnapshot().fetchError, { code: 'network', message: 'Could not reach the Wasla server.' });
    const ok = poller.refresh();
    server.call(1).answer(makeState());
    await ok;
    assert.equal(store.getSnapshot().fetchError, null);
  });

  test('cleanup() stops the timer and aborts the request in flight', async () => {
    const { clock, server, poller, store } = setup();
    poller.start();
    poller.cleanup();
    assert.equal(server.call(0).signal.aborted, true);
    assert.equal(clock.pending, 0);
    server.call(0).answer(makeState({ rev: 3 }));
    await flush();
    assert.equal(store.getSnapshot().state, null, 'an answer after cleanup is dropped');
    clock.advance(POLL_INTERVAL_MS * 3);
    assert.equal(server.calls.length, 1);
  });

  test("paths: the seed's /api/session for the default session, /api/sessions/:id otherwise", () => {
    assert.equal(sessionPath('default', 'state'), '/api/session/state');
    assert.equal(sessionPath('sales', 'pairing-code'), '/api/sessions/sales/pairing-code');
  });
});
