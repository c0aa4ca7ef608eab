import assert from 'node:assert/strict';
import { it } from 'node:test';
import { pino } from 'pino';
import { forEachDatabase } from '../../storage/testing.js';
import type { TestDatabase } from '../../storage/testing.js';
import { InProcessEventBus } from '../../events/in-process.js';
import { LocalRouter } from '../../cluster/owner-router.js';
import type { WhatsAppProvider } from '../../whatsapp/provider.js';
import { DEFAULT_BACKOFF } from './backoff.js';
import { SessionsRepository } from './repository.js';
import { SessionService } from './service.js';
import { fakeProvider } from './fake-provider.js';

const silent = pino({ level: 'silent' });

/** An instance of a cluster's session service: it runs only the sessions handed to it. */
function instance(database: TestDatabase) {
  const fake = fakeProvider();
  let connects = 0;
  const provider: WhatsAppProvider = { ...fake.provider, connect: (id, listener) => ((connects += 1), fake.provider.connect(id, listener)) };
  const repository = new SessionsRepository(database.storage.db);
  const bus = new InProcessEventBus(silent);
  const sessions = new SessionService({ provider, repository, bus, router: new LocalRouter(), logger: silent, backoff: DEFAULT_BACKOFF, epoch: 1, adoptedOnly: true });
  return { sessions, repository, listener: fake.listener, connects: () => connects };
}

forEachDatabase('sessions adopted, released and lost (cluster mode)', (database) => {
  it('runs a session only once adopted, with the lease token as its epoch, and starts it when it should run', async () => {
    const { sessions, repository, listener } = instance(database);
    await sessions.boot(false);
    assert.equal(sessions.runsHere('default'), false);
    assert.equal(sessions.state('default').status, 'stopped', 'known from the database');
    await repository.setDesiredState('default', 'running');
    await sessions.adopt('default', 7_000_000_000_000);
    assert.equal(sessions.state('default').epoch, 7_000_000_000_000);
    await sessions.resume('default');
    assert.equal(sessions.state('default').status, 'connecting');
    listener().open({ phoneNumber: '+966501234567' });
    await sessions.idle('default');
    assert.equal(sessions.state('default').status, 'ready');
    await sessions.shutdown();
  });

  it('a command that arrives while the session is being released is refused, and nothing connects after the release', async () => {
    const { sessions, repository, listener, connects } = instance(database);
    await sessions.boot(false);
    await repository.setDesiredState('default', 'running');
    await sessions.adopt('default', 8_000_000_000_000);
    await sessions.resume('default');
    listener().open({ phoneNumber: '+966501234567' });
    await sessions.idle('default');
    await sessions.command('default', 'stop');
    const connected = connects();

    const releasing = sessions.release('default');
    // The start that raced the release: it must not connect a session that is leaving this instance.
    await assert.rejects(sessions.command('default', 'start'), (error: { code?: string }) => error.code === 'unavailable');
    await releasing;
    assert.equal(connects(), connected, 'no connection was made after the release began');
    assert.equal(sessions.runsHere('default'), false);
    assert.equal(sessions.state('default').status, 'stopped', 'what it last published, kept for the readers here');
    await sessions.shutdown();
  });

  it('a lost lease ends the connection at once and drops what the connection reports afterwards', async () => {
    const { sessions, repository, listener } = instance(database);
    await sessions.boot(false);
    await repository.setDesiredState('default', 'running');
    await sessions.adopt('default', 9_000_000_000_000);
    await sessions.resume('default');
    const reports = listener();
    sessions.abandon('default');
    reports.open({ phoneNumber: '+966501234567' });
    assert.equal(sessions.runsHere('default'), false);
    assert.notEqual(sessions.state('default').status, 'ready');
    await sessions.shutdown();
  });
});
