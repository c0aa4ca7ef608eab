import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createValueReader, memoizeSelector, shallowEqual, toSessionValue } from './select.js';
import type { SessionValue } from './select.js';
import { SessionStore } from './store.js';
import { makeState } from './testing.js';

const refresh = async (): Promise<void> => {};

/** What useSession(selector) does: re-render only when the selected value changes identity. */
function watch<S>(store: SessionStore, selector: (session: SessionValue) => S) {
  const read = createValueReader(store.getSnapshot, store.sessionId, refresh);
  const select = memoizeSelector(selector);
  let rendered = select(read());
  let renders = 0;
  store.subscribe(() => {
    const next = select(read());
    if (!Object.is(next, rendered)) {
      rendered = next;
      renders += 1;
    }
  });
  return { renders: () => renders, value: () => rendered };
}

describe('selecting from the session', () => {
  test('a selector does not notify when unrelated fields change', () => {
    const store = new SessionStore('default');
    store.apply(makeState({ rev: 1, status: 'qr', qrCode: 'data:image/png;base64,A' }), 'ws');
    const status = watch(store, (s) => s.status);
    const both = watch(store, (s) => ({ status: s.status, isReady: s.isReady }));
    store.apply(makeState({ rev: 2, status: 'qr', qrCode: 'data:image/png;base64,B' }), 'ws'); // the QR rotates
    store.setHealth({ kind: 'live', retryAt: null });
    store.apply(makeState({ rev: 3, status: 'qr', lastUpdate: '2025-01-02T00:00:00.000Z' }), 'ws');
    assert.equal(status.renders(), 0);
    assert.equal(both.renders(), 0);
    store.apply(makeState({ rev: 4, status: 'ready', isReady: true }), 'ws');
    assert.equal(status.renders(), 1);
    assert.equal(status.value(), 'ready');
    assert.equal(both.renders(), 1);
    assert.deepEqual(both.value(), { status: 'ready', isReady: true });
  });

  test('memoizeSelector: same input → same output; equal output → the previous object', () => {
    let runs = 0;
    const select = memoizeSelector((n: { a: number; b: number }) => {
      runs += 1;
      return { a: n.a };
    });
    const input = { a: 1, b: 1 };
    const first = select(input);
    assert.equal(select(input), first);
    assert.equal(runs, 1);
    assert.equal(select({ a: 1, b: 2 }), first);
    assert.notEqual(select({ a: 2, b: 2 }), first);
  });

  test('memoizeSelector seeded with the last rendered value keeps it across a new selector function', () => {
    const rendered = { status: 'ready' };
    const select = memoizeSelector((s: { status: string; other: number }) => ({ status: s.status }), shallowEqual, { value: rendered });
    assert.equal(select({ status: 'ready', other: 1 }), rendered);
  });

  test('shallowEqual', () => {
    assert.equal(shallowEqual(1, 1), true);
    assert.equal(shallowEqual(Number.NaN, Number.NaN), true);
    assert.equal(shallowEqual({ a: 1, b: 'x' }, { a: 1, b: 'x' }), true);
    assert.equal(shallowEqual({ a: 1 }, { a: 1, b: undefined }), false);
    assert.equal(shallowEqual({ a: {} }, { a: {} }), false, 'one level only');
    assert.equal(shallowEqual([1, 2], [1, 2]), true);
    assert.equal(shallowEqual([1, 2], { 0: 1, 1: 2 }), false);
    assert.equal(shallowEqual(new Date(5), new Date(5)), true);
    assert.equal(shallowEqual(new Date(5), new Date(6)), false);
    assert.equal(shallowEqual<unknown>(null, {}), false);
  });
});

describe('the useSession() value', () => {
  test("while loading: status 'connecting', nothing else", () => {
    const value = toSessionValue(new SessionStore('default').getSnapshot(), 'default', refresh);
    assert.equal(value.status, 'connecting');
    assert.equal(value.isLoading, true);
    assert.equal(value.isReady, false);
    assert.equal(value.lastUpdate, null);
    assert.equal(value.epoch, null);
    assert.equal(value.sessionId, 'default');
    assert.equal(value.refreshSession, refresh);
  });

  test("exactly the seed's fields, the rest of the state and health", () => {
    const store = new SessionStore('default');
    store.apply(makeState({ rev: 2, status: 'ready', isReady: true, phoneNumber: '+966501234567', lastUpdate: '2025-03-04T05:06:07.000Z' }), 'ws');
    const value = toSessionValue(store.getSnapshot(), 'default', refresh);
    assert.deepEqual(Object.keys(value).sort(), [
      'epoch', 'error', 'errorCode', 'health', 'isKnown', 'isLoading', 'isReady', 'lastUpdate', 'nextRetryAt', 'pairingCode',
      'phoneNumber', 'qrCode', 'qrExpiresAt', 'refreshSession', 'restriction', 'rev', 'sessionId', 'status', 'unknownSince',
    ]);
    assert.equal(value.status, 'ready');
    assert.equal(value.lastUpdate?.toISOString(), '2025-03-04T05:06:07.000Z');
    assert.equal(value.rev, 2);
  });

  test("error: the session's own reason; before any state, why it could not be fetched", () => {
    const store = new SessionStore('default');
    store.setFetchError({ code: 'network', message: 'Could not reach the Wasla server.' });
    assert.equal(toSessionValue(store.getSnapshot(), 'default', refresh).error, 'Could not reach the Wasla server.');
    store.apply(makeState({ status: 'failed', error: 'The QR code was never scanned.', errorCode: 'qr_timeout' }), 'poll');
    const value = toSessionValue(store.getSnapshot(), 'default', refresh);
    assert.equal(value.error, 'The QR code was never scanned.');
    assert.equal(value.errorCode, 'qr_timeout');
  });

  test('the reader returns the same object (and Date) until the snapshot changes', () => {
    const store = new SessionStore('default');
    store.apply(makeState(), 'ws');
    const read = createValueReader(store.getSnapshot, 'default', refresh);
    const first = read();
    assert.equal(read(), first);
    assert.equal(read().lastUpdate, first.lastUpdate);
    store.setHealth({ kind: 'live', retryAt: null });
    assert.notEqual(read(), first);
  });
});
