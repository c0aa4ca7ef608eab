import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import type { SessionState, SessionTransition } from '@wasla/protocol';
import { forEachDatabase } from '../../storage/testing.js';
import { SessionsRepository } from './repository.js';
import { initialState } from './machine.js';

const EPOCH = 1_800_000_000_123; // a ms timestamp past 2^31, as the server's epoch is

function transition(rev: number, overrides: Partial<SessionTransition> = {}): SessionTransition {
  return {
    sessionId: 'default',
    epoch: EPOCH,
    rev,
    from: 'connecting',
    to: 'qr',
    event: 'qr',
    errorCode: null,
    error: null,
    at: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

forEachDatabase('SessionsRepository', (database) => {
  let clock = new Date('2025-01-01T00:00:00.000Z');
  let sessions: SessionsRepository;
  before(() => {
    sessions = new SessionsRepository(database.storage.db, () => clock);
  });

  it("stores the number's restriction until it is lifted; unknown sessions answer false", async () => {
    await sessions.ensure('default');
    const restriction = { code: '463', since: '2025-01-01T10:00:00.000Z', reason: 'WhatsApp restricted this number.' };
    assert.equal(await sessions.setRestriction('default', restriction), true);
    assert.deepEqual((await sessions.get('default'))?.restriction, restriction);
    assert.deepEqual((await sessions.list())[0]?.restriction, restriction);
    assert.equal(await sessions.setRestriction('default', null), true);
    assert.equal((await sessions.get('default'))?.restriction, null);
    assert.equal(await sessions.setRestriction('nobody', restriction), false);
  });

  it('ensures a session: creates it stopped, then leaves it as it is', async () => {
    const created = await sessions.ensure('default');
    assert.deepEqual(created, {
      id: 'default',
      desiredState: 'stopped',
      phoneNumber: null,
      restriction: null,
      createdAt: '2025-01-01T00:00:00.000Z',
      updatedAt: '2025-01-01T00:00:00.000Z',
    });
    clock = new Date('2025-01-02T00:00:00.000Z');
    assert.equal(await sessions.setDesiredState('default', 'running'), true);
    const again = await sessions.ensure('default');
    assert.equal(again.desiredState, 'running');
    assert.equal(again.createdAt, '2025-01-01T00:00:00.000Z');
    assert.equal(again.updatedAt, '2025-01-02T00:00:00.000Z');
  });

  it('survives concurrent ensures of the same id', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => sessions.ensure('raced')));
    assert.ok(results.every((session) => session.id === 'raced'));
  });

  it('gets and lists sessions oldest first', async () => {
    clock = new Date('2025-01-03T00:00:00.000Z');
    await sessions.ensure('sales');
    assert.deepEqual((await sessions.list()).map((session) => session.id), ['default', 'raced', 'sales']);
    assert.equal((await sessions.get('sales'))?.desiredState, 'stopped');
    assert.equal(await sessions.get('missing'), null);
  });

  it('sets the desired state and phone number', async () => {
    assert.equal(await sessions.setDesiredState('sales', 'running'), true);
    assert.equal(await sessions.setPhoneNumber('sales', '+966501234567'), true);
    const sales = await sessions.get('sales');
    assert.equal(sales?.desiredState, 'running');
    assert.equal(sales?.phoneNumber, '+966501234567');
    assert.equal(await sessions.setPhoneNumber('sales', null), true);
    assert.equal((await sessions.get('sales'))?.phoneNumber, null);
    assert.equal(await sessions.setDesiredState('missing', 'running'), false);
    assert.equal(await sessions.setPhoneNumber('missing', '+1'), false);
  });

  it('records transitions and lists the latest first, with the epoch as a number', async () => {
    await sessions.recordTransition(transition(1, { from: 'stopped', to: 'connecting', event: 'start' }));
    // Same millisecond as rev 1: (epoch, rev) must still order them.
    await sessions.recordTransition(transition(2));
    await sessions.recordTransition(
      transition(3, { from: 'qr', to: 'failed', event: 'closed', errorCode: 'qr_timeout', error: 'No one scanned the QR code.', at: '2025-01-01T00:01:00.000Z' }),
    );
    await sessions.recordTransition(transition(1, { sessionId: 'sales', at: '2025-01-01T00:05:00.000Z' }));

    const listed = await sessions.listTransitions('default', 10);
    assert.deepEqual(listed.map((item) => item.rev), [3, 2, 1]);
    assert.deepEqual(listed[0], transition(3, { from: 'qr', to: 'failed', event: 'closed', errorCode: 'qr_timeout', error: 'No one scanned the QR code.', at: '2025-01-01T00:01:00.000Z' }));
    assert.equal(typeof listed[0]?.epoch, 'number');
    assert.equal(listed[0]?.epoch, EPOCH);

    assert.deepEqual((await sessions.listTransitions('default', 2)).map((item) => item.rev), [3, 2]);
    assert.equal((await sessions.listTransitions('sales', 10)).length, 1);
    assert.deepEqual(await sessions.listTransitions('missing', 10), []);
    await assert.rejects(sessions.listTransitions('default', 0), RangeError);
  });

  it('orders a later epoch (a server restart) after an earlier one', async () => {
    await sessions.recordTransition(transition(1, { epoch: EPOCH + 60_000, at: '2025-01-01T00:02:00.000Z', from: 'stopped', to: 'connecting' }));
    const [latest] = await sessions.listTransitions('default', 1);
    assert.equal(latest?.epoch, EPOCH + 60_000);
    assert.equal(latest?.rev, 1);
  });
});

forEachDatabase('SessionsRepository: the last published state', (database) => {
  let sessions: SessionsRepository;
  before(async () => {
    sessions = new SessionsRepository(database.storage.db);
    await sessions.ensure('kept');
  });

  const state = (epoch: number, rev: number, status: SessionState['status']): SessionState => ({
    ...initialState('kept', epoch, new Date('2025-01-01T00:00:00.000Z')).public,
    rev,
    status,
    isReady: status === 'ready',
  });

  it('keeps the newest state by (epoch, rev), whatever order the writes arrive in; never goes back', async () => {
    assert.equal(await sessions.loadState('kept'), null, 'nothing published yet');
    assert.equal(await sessions.saveState(state(EPOCH, 2, 'qr')), true);
    assert.equal(await sessions.saveState(state(EPOCH, 1, 'connecting')), false, 'an older rev arriving late');
    assert.equal(await sessions.saveState(state(EPOCH, 2, 'connecting')), false, 'the same rev again');
    assert.equal((await sessions.loadState('kept'))?.status, 'qr');
    assert.equal(await sessions.saveState(state(EPOCH, 3, 'ready')), true);
    // A later epoch wins even with a smaller rev (a new owner, a restart); an older epoch never does.
    assert.equal(await sessions.saveState(state(EPOCH + 1, 0, 'connecting')), true);
    assert.equal(await sessions.saveState(state(EPOCH, 99, 'ready')), false);
    assert.deepEqual(await sessions.loadState('kept'), state(EPOCH + 1, 0, 'connecting'));
    assert.equal(await sessions.saveState({ ...state(EPOCH + 2, 0, 'stopped'), sessionId: 'nobody' }), false, 'no such session');
  });
});
