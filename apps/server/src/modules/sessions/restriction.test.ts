import assert from 'node:assert/strict';
import { it } from 'node:test';
import { pino } from 'pino';
import { forEachDatabase } from '../../storage/testing.js';
import { InProcessEventBus } from '../../events/in-process.js';
import { DEFAULT_BACKOFF } from './backoff.js';
import { SessionsRepository } from './repository.js';
import { SessionService } from './service.js';
import { LocalRouter } from '../../cluster/owner-router.js';
import { fakeProvider } from './fake-provider.js';

forEachDatabase("the number's restriction in the session service", (database) => {
  it('a 463 ack restricts the number once; the late copy Baileys sends of the same ack does not restrict it again after a person lifted it', async () => {
    const { provider, listener } = fakeProvider();
    const repository = new SessionsRepository(database.storage.db);
    const sessions = new SessionService({ provider, repository, bus: new InProcessEventBus(pino({ level: 'silent' })), logger: pino({ level: 'silent' }), backoff: DEFAULT_BACKOFF, router: new LocalRouter(), epoch: 1 });
    await sessions.boot(false);
    await sessions.command('default', 'start');
    listener().open({ phoneNumber: '+966501234567' });
    await sessions.idle('default');

    const ack = { messageId: 'M1', status: 'failed' as const, errorCode: '463' };
    listener().receipts([ack]);
    await sessions.idle('default');
    assert.equal(sessions.state('default').restriction?.code, '463');
    assert.equal((await repository.get('default'))?.restriction?.code, '463', 'stored');
    assert.throws(() => sessions.assertNotRestricted('default'), { code: 'account_restricted' });

    await sessions.liftRestriction('default');
    listener().receipts([ack]);
    await sessions.idle('default');
    assert.equal(sessions.state('default').restriction, null, 'the same ack again changes nothing');
    assert.equal((await repository.get('default'))?.restriction, null);

    listener().receipts([{ ...ack, messageId: 'M2' }]);
    await sessions.idle('default');
    assert.equal(sessions.state('default').restriction?.code, '463', "another message's 463 restricts it again");
    await sessions.shutdown();
  });
});
