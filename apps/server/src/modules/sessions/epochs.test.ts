import assert from 'node:assert/strict';
import { it } from 'node:test';
import { pino } from 'pino';
import { compareStamps } from '@wasla/protocol';
import { forEachDatabase } from '../../storage/testing.js';
import type { TestDatabase } from '../../storage/testing.js';
import { InProcessEventBus } from '../../events/in-process.js';
import { DEFAULT_BACKOFF } from './backoff.js';
import { SessionsRepository } from './repository.js';
import { SessionService } from './service.js';
import { LocalRouter } from '../../cluster/owner-router.js';
import { fakeProvider } from './fake-provider.js';

const silent = pino({ level: 'silent' });

/** A process of the server: its own service over the same database, started at `epoch`. */
function processAt(database: TestDatabase, epoch: number) {
  const { provider, listener } = fakeProvider();
  const repository = new SessionsRepository(database.storage.db);
  const sessions = new SessionService({ provider, repository, bus: new InProcessEventBus(silent), logger: silent, backoff: DEFAULT_BACKOFF, router: new LocalRouter(), epoch });
  return { sessions, repository, listener };
}

forEachDatabase('(epoch, rev) across processes', (database) => {
  it('every state is stored as published; a later process continues after it even if its clock went back, so no client sees a rollback', async () => {
    const first = processAt(database, 5_000_000_000_000);
    await first.sessions.boot(false);
    await first.sessions.command('default', 'start');
    first.listener().open({ phoneNumber: '+966501234567' });
    await first.sessions.idle('default');
    const last = first.sessions.state('default');
    assert.equal(last.status, 'ready');
    assert.deepEqual(await first.repository.loadState('default'), last, 'stored as published, once idle');
    await first.sessions.shutdown();

    // The next boot's clock reads earlier than the last epoch (a clock step back, or another host).
    const second = processAt(database, 1_000_000_000_000);
    await second.sessions.boot(false);
    const booted = second.sessions.state('default');
    assert.equal(booted.epoch, last.epoch + 1);
    await second.sessions.command('default', 'start');
    const next = second.sessions.state('default');
    assert.ok(compareStamps(next, last) > 0, `(${next.epoch}, ${next.rev}) comes after (${last.epoch}, ${last.rev})`);
    await second.sessions.idle('default');
    assert.equal((await second.repository.loadState('default'))?.status, 'connecting');
    await second.sessions.shutdown();

    // A clock that is ahead again just starts a newer epoch.
    const third = processAt(database, 9_000_000_000_000);
    await third.sessions.boot(false);
    assert.equal(third.sessions.state('default').epoch, 9_000_000_000_000);
    await third.sessions.shutdown();
  });
});
