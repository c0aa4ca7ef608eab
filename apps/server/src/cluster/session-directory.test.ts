import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { SessionState } from '@wasla/protocol';
import { initialState } from '../modules/sessions/machine.js';
import { SessionDirectory } from './session-directory.js';

/** A session's state as an owner would publish it (the machine's own initial state, moved on). */
function state(sessionId: string, epoch: number, rev: number, status: SessionState['status']): SessionState {
  return { ...initialState(sessionId, epoch, new Date('2026-01-01T00:00:00.000Z')).public, rev, status, isReady: status === 'ready' };
}

/** What PostgreSQL holds, as the test sets it. */
function storedStates(initial: SessionState[]) {
  const rows = new Map(initial.map((s) => [s.sessionId, s]));
  return {
    rows,
    store: { ids: () => Promise.resolve([...rows.keys()]), loadState: (id: string) => Promise.resolve(rows.get(id) ?? null) },
  };
}

it('keeps the newest state of each session by (epoch, rev), from events and reads alike; never goes back', async () => {
  const { rows, store } = storedStates([state('default', 10, 4, 'ready'), state('sales', 10, 1, 'stopped')]);
  const directory = new SessionDirectory(store);
  assert.deepEqual((await directory.reread()).map((s) => s.sessionId), ['default', 'sales']);
  assert.equal(directory.get('default')?.status, 'ready');

  assert.equal(directory.heard(state('default', 10, 3, 'connecting')), false, 'a late event');
  assert.equal(directory.heard(state('default', 11, 0, 'connecting')), true, 'a new owner (a newer epoch) wins with a smaller rev');
  // A read that raced the event brings the older stored state: it changes nothing.
  assert.deepEqual(await directory.reread(), []);
  assert.equal(directory.get('default')?.status, 'connecting');

  // Events missed while Redis was away are in PostgreSQL: the reread brings only what moved.
  rows.set('sales', state('sales', 12, 0, 'connecting'));
  rows.set('new', state('new', 12, 0, 'stopped'));
  assert.deepEqual((await directory.reread()).map((s) => [s.sessionId, s.status]), [['sales', 'connecting'], ['new', 'stopped']]);
  assert.deepEqual(directory.ids().sort(), ['default', 'new', 'sales']);

  directory.forget('new');
  assert.equal(directory.has('new'), false);
  assert.equal((await directory.refresh('new'))?.status, 'stopped');
  assert.equal(await directory.refresh('nowhere'), undefined);
});
