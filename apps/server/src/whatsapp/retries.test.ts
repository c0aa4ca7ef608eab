import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import pino from 'pino';
import { MessagesRepository } from '../modules/messages/repository.js';
import { forEachDatabase } from '../storage/testing.js';
import { WaRetryRepository } from '../storage/wa-retry-repository.js';
import { MAX_RETRY_COUNT, RETRY_COUNT_TTL_MS, retryCounterStore, storedMessageLookup } from './retries.js';

const logger = pino({ level: 'silent' });
// Baileys' keys: `<message id>:<device jid>`, by phone number or LID.
const KEYS = ['3EB0A1B2C3D4E5F6A7B8C9:966500000001:2@s.whatsapp.net', '3EB0A1B2C3D4E5F6A7B8C9:123456789012345:3@lid'];

forEachDatabase('retry counts and stored messages for Baileys', (database) => {
  const session = 'retry-test';
  const other = 'retry-other';
  let clock = new Date('2026-01-01T00:00:00.000Z');
  const now = () => clock;

  before(async () => {
    const at = new Date().toISOString();
    await database.storage.db
      .insertInto('wa_sessions')
      .values([session, other].map((id) => ({ id, desired_state: 'stopped' as const, phone_number: null, created_at: at, updated_at: at })))
      .execute();
  });

  it('counts per session and key, for an hour after the last change, across store instances (reconnects)', async () => {
    const repository = new WaRetryRepository(database.storage.db, now);
    const first = retryCounterStore(repository, session, logger, now);
    for (const key of KEYS) assert.equal(await first.get<number>(key), undefined);
    await first.set(KEYS[0]!, 1);
    await first.set(KEYS[0]!, 2);
    await first.set(KEYS[1]!, 1);

    // A new connection builds a new store over the same rows; another session sees none.
    const next = retryCounterStore(repository, session, logger, now);
    assert.deepEqual([await next.get(KEYS[0]!), await next.get(KEYS[1]!)], [2, 1]);
    assert.equal(await retryCounterStore(repository, other, logger, now).get(KEYS[0]!), undefined);

    clock = new Date(clock.getTime() + RETRY_COUNT_TTL_MS - 1);
    assert.equal(await next.get(KEYS[0]!), 2);
    await next.set(KEYS[1]!, 2); // a change restarts its hour
    clock = new Date(clock.getTime() + 1);
    assert.deepEqual([await next.get(KEYS[0]!), await next.get(KEYS[1]!)], [undefined, 2]);

    await repository.removeExpired(session);
    const rows = await database.storage.db.selectFrom('wa_retry_counts').select('retry_key').where('session_id', '=', session).execute();
    assert.deepEqual(rows.map((r) => r.retry_key), [KEYS[1]]);

    await next.del(KEYS[1]!);
    assert.equal(await next.get(KEYS[1]!), undefined);
    await next.set(KEYS[0]!, 4);
    await retryCounterStore(repository, other, logger, now).set(KEYS[0]!, 1);
    await next.flushAll();
    assert.equal(await next.get(KEYS[0]!), undefined);
    assert.equal(await retryCounterStore(repository, other, logger, now).get(KEYS[0]!), 1);
  });

  it('reads as the limit when the database fails, so nothing is resent without bound', async () => {
    const failing = { read: () => Promise.reject(new Error('down')) } as unknown as WaRetryRepository;
    assert.equal(await retryCounterStore(failing, session, logger, now).get(KEYS[0]!), MAX_RETRY_COUNT);
  });

  it('getMessage answers with the text content of messages the session sent, by id only', async () => {
    const messages = new MessagesRepository(database.storage.db);
    const at = new Date().toISOString();
    const base = { peer: '+966500000001', error: null, errorCode: null, createdAt: at, updatedAt: at };
    await messages.insert({ ...base, id: 'OUT-1', sessionId: session, direction: 'out', text: 'مرحبا', status: 'pending' });
    await messages.insert({ ...base, id: 'OUT-2', sessionId: session, direction: 'out', text: 'read already', status: 'read' });
    await messages.insert({ ...base, id: 'IN-1', sessionId: session, direction: 'in', text: 'theirs', status: 'read' });
    await messages.insert({ ...base, id: 'FAILED-1', sessionId: session, direction: 'out', text: 'never left', status: 'failed' });
    await messages.insert({ ...base, id: 'OTHER-1', sessionId: other, direction: 'out', text: 'other session', status: 'sent' });
    const getMessage = storedMessageLookup(messages, session, logger);
    const asked = (id: string, remoteJid = '966500000001:2@s.whatsapp.net') => getMessage({ id, remoteJid, fromMe: true });
    assert.deepEqual(await asked('OUT-1'), { extendedTextMessage: { text: 'مرحبا' } });
    assert.deepEqual(await asked('OUT-2', '123456789012345:3@lid'), { extendedTextMessage: { text: 'read already' } });
    for (const id of ['IN-1', 'FAILED-1', 'OTHER-1', 'NOPE']) assert.equal(await asked(id), undefined, id);
  });
});
