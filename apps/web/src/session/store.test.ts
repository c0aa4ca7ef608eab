import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MessageStatusEvent } from '@wasla/protocol';
import { INITIAL_SNAPSHOT, SessionStore, reduceSession } from './store.js';
import { makeMessage, makeProgress, makeState } from './testing.js';

describe('SessionStore', () => {
  test('starts loading, with no state, connecting', () => {
    const store = new SessionStore('default');
    assert.equal(store.getSnapshot(), INITIAL_SNAPSHOT);
    assert.equal(store.getSnapshot().isLoading, true);
    assert.equal(store.getSnapshot().state, null);
    assert.deepEqual(store.getSnapshot().health, { kind: 'connecting', retryAt: null });
  });

  test('a late, older poll is ignored', () => {
    const store = new SessionStore('default');
    assert.equal(store.apply(makeState({ rev: 5, status: 'ready', isReady: true }), 'ws'), true);
    const before = store.getSnapshot();
    assert.equal(store.apply(makeState({ rev: 4, status: 'qr' }), 'poll'), false);
    assert.equal(store.apply(makeState({ rev: 5, status: 'qr' }), 'poll'), false, 'the same (epoch, rev) is not newer');
    assert.equal(store.getSnapshot(), before, 'the snapshot object is untouched');
    assert.equal(store.getSnapshot().state?.status, 'ready');
    assert.equal(store.getSnapshot().source, 'ws');
  });

  test('a new epoch is accepted even with a lower rev (the server restarted)', () => {
    const store = new SessionStore('default');
    store.apply(makeState({ epoch: 100, rev: 40, status: 'ready' }), 'ws');
    assert.equal(store.apply(makeState({ epoch: 200, rev: 1, status: 'connecting' }), 'poll'), true);
    assert.equal(store.getSnapshot().state?.epoch, 200);
    assert.equal(store.getSnapshot().state?.status, 'connecting');
    assert.equal(store.apply(makeState({ epoch: 100, rev: 41 }), 'tab'), false, 'the old epoch is over');
  });

  test("another session's state is refused", () => {
    const store = new SessionStore('default');
    assert.equal(store.apply(makeState({ sessionId: 'sales' }), 'ws'), false);
    assert.equal(store.getSnapshot().state, null);
  });

  test('notifies on change only; the snapshot is frozen and stays the same object otherwise', () => {
    const store = new SessionStore('default');
    let calls = 0;
    const unsubscribe = store.subscribe(() => (calls += 1));
    store.apply(makeState({ rev: 1 }), 'ws');
    const first = store.getSnapshot();
    assert.ok(Object.isFrozen(first) && Object.isFrozen(first.state) && Object.isFrozen(first.health));
    store.setHealth({ kind: 'connecting', retryAt: null });
    store.setFetchError(null);
    store.apply(makeState({ rev: 1 }), 'poll');
    assert.equal(store.getSnapshot(), first);
    assert.equal(calls, 1);
    store.setHealth({ kind: 'live', retryAt: null });
    assert.equal(calls, 2);
    assert.notEqual(store.getSnapshot(), first);
    assert.equal(store.getSnapshot().state, first.state, 'unchanged parts keep their identity');
    unsubscribe();
    store.setHealth({ kind: 'reconnecting', retryAt: 5 });
    assert.equal(calls, 2);
  });

  test('a failure before the first state ends loading; a state then clears it', () => {
    const store = new SessionStore('default');
    store.setFetchError({ code: 'network', message: 'Could not reach the Wasla server.' });
    assert.equal(store.getSnapshot().isLoading, false);
    assert.equal(store.getSnapshot().fetchError?.code, 'network');
    store.apply(makeState(), 'poll');
    store.setFetchError(null);
    assert.equal(store.getSnapshot().fetchError, null);
    assert.equal(store.getSnapshot().isLoading, false);
  });

  test('reset() forgets the state, so an older stamp (another login) is taken again', () => {
    const store = new SessionStore('default');
    store.apply(makeState({ rev: 5, qrCode: 'data:image/png;base64,A' }), 'ws');
    store.reset();
    assert.equal(store.getSnapshot(), INITIAL_SNAPSHOT);
    assert.equal(store.apply(makeState({ rev: 5, qrCode: null }), 'poll'), true);
  });

  test('the reducer is pure: the input snapshot is never changed', () => {
    const next = reduceSession(INITIAL_SNAPSHOT, { type: 'state', state: makeState(), source: 'ws' });
    assert.equal(INITIAL_SNAPSHOT.state, null);
    assert.equal(next.state?.rev, 1);
  });

  test('live events reach the listeners of their own type until they unsubscribe', () => {
    const store = new SessionStore('default');
    const statuses: MessageStatusEvent[] = [];
    const received: string[] = [];
    const progress: number[] = [];
    const off = store.on('message_status', (event) => statuses.push(event));
    store.on('message_received', (message) => received.push(message.text));
    store.on('campaign_progress', (event) => progress.push(event.counts.sent));
    const event: MessageStatusEvent = { id: 'm1', sessionId: 'default', status: 'delivered', error: null, errorCode: null, updatedAt: '2025-01-01T00:00:00.000Z' };
    store.emit('message_status', event);
    store.emit('message_received', makeMessage({ text: 'hello' }));
    store.emit('campaign_progress', makeProgress({ sent: 3 }));
    off();
    store.emit('message_status', event);
    assert.deepEqual(statuses, [event]);
    assert.deepEqual(received, ['hello']);
    assert.deepEqual(progress, [3]);
    assert.equal(store.getSnapshot(), INITIAL_SNAPSHOT, 'events are passed on, never stored');
  });

  test('a listener that unsubscribes while an event is delivered does not disturb the others', () => {
    const store = new SessionStore('default');
    const heard: string[] = [];
    const offFirst = store.on('message_received', () => {
      heard.push('first');
      offFirst();
    });
    store.on('message_received', () => heard.push('second'));
    store.emit('message_received', makeMessage());
    store.emit('message_received', makeMessage());
    assert.deepEqual(heard, ['first', 'second', 'second']);
  });

  describe('whether the state is known', () => {
    const ready = () => makeState({ rev: 3, status: 'ready', isReady: true });

    test('the link dropping makes it unknown since that moment; it stays unknown, with the first moment, until the socket is live again', () => {
      const store = new SessionStore('default');
      store.apply(ready(), 'ws');
      store.setHealth({ kind: 'live', retryAt: null }, 1_000);
      assert.equal(store.getSnapshot().unknownSince, null);
      store.setHealth({ kind: 'reconnecting', retryAt: 6_000 }, 5_000);
      assert.equal(store.getSnapshot().unknownSince, 5_000);
      store.setHealth({ kind: 'reconnecting', retryAt: null }, 6_000);
      store.setFetchError({ code: 'network', message: 'Could not reach the Wasla server.' }, 7_000);
      store.setHealth({ kind: 'offline', retryAt: null }, 8_000);
      assert.equal(store.getSnapshot().unknownSince, 5_000, 'since the first moment, not the latest failure');
      assert.equal(store.getSnapshot().state?.status, 'ready', 'the last known state is kept');
      store.setHealth({ kind: 'live', retryAt: null }, 9_000);
      assert.equal(store.getSnapshot().unknownSince, null);
    });

    test('a fetch that succeeds while the socket is down confirms the state; one that fails makes it unknown', () => {
      const store = new SessionStore('default');
      store.apply(ready(), 'poll');
      store.setHealth({ kind: 'reconnecting', retryAt: 3_000 }, 2_000);
      store.setFetchError(null, 2_500);
      assert.equal(store.getSnapshot().unknownSince, null, 'the poll backs up the socket');
      store.setFetchError({ code: 'network', message: 'Could not reach the Wasla server.' }, 12_000);
      assert.equal(store.getSnapshot().unknownSince, 12_000);
    });

    test("the first connection attempt alone doesn't make it unknown; a failed fetch while the socket is live doesn't either", () => {
      const store = new SessionStore('default');
      store.setHealth({ kind: 'connecting', retryAt: null }, 1_000);
      store.apply(ready(), 'poll');
      assert.equal(store.getSnapshot().unknownSince, null);
      store.setHealth({ kind: 'live', retryAt: null }, 2_000);
      store.setFetchError({ code: 'network', message: 'Could not reach the Wasla server.' }, 3_000);
      assert.equal(store.getSnapshot().unknownSince, null);
    });

    test("another tab's moment is taken as it is; an unchanged one changes nothing", () => {
      const store = new SessionStore('default');
      store.setUnknownSince(4_000);
      const snapshot = store.getSnapshot();
      assert.equal(snapshot.unknownSince, 4_000);
      store.setUnknownSince(4_000);
      assert.equal(store.getSnapshot(), snapshot);
    });
  });
});
