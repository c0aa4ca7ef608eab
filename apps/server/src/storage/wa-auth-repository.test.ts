import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { chunk } from './batch.js';
import { forEachDatabase } from './testing.js';
import { WaAuthRepository } from './wa-auth-repository.js';
import type { WaKeyWrite } from './wa-auth-repository.js';

// Baileys' key ids really look like these: JIDs with devices, and ids with ':' '/' '.'.
const AWKWARD_IDS = ['491511234567:12@s.whatsapp.net', 'abc/def==', 'group.id@g.us', 'a:b/c@d.e', '123.0', "quote'd \"id\""];

forEachDatabase('WaAuthRepository', (database) => {
  let repository: WaAuthRepository;
  const session = 'auth-test';
  const other = 'auth-other';

  before(async () => {
    repository = new WaAuthRepository(database.storage.db);
    const now = new Date().toISOString();
    await database.storage.db
      .insertInto('wa_sessions')
      .values([session, other].map((id) => ({ id, desired_state: 'stopped' as const, phone_number: null, created_at: now, updated_at: now })))
      .execute();
  });

  it('reads no creds before any are written', async () => {
    assert.equal(await repository.readCreds(session), null);
    assert.equal(await repository.hasCreds(session), false);
  });

  it('writes creds, then replaces them (upsert)', async () => {
    await repository.writeCreds(session, '{"v":1}');
    assert.equal(await repository.readCreds(session), '{"v":1}');
    await repository.writeCreds(session, '{"v":2}');
    assert.equal(await repository.readCreds(session), '{"v":2}');
    assert.equal(await repository.hasCreds(session), true);
    assert.equal(await repository.hasCreds(other), false);
  });

  it('writes 1,000 keys of several types in one batch and reads them back', async () => {
    const types = ['pre-key', 'session', 'sender-key', 'app-state-sync-key'];
    const entries: WaKeyWrite[] = Array.from({ length: 1000 }, (_, index) => ({
      type: types[index % types.length] ?? 'pre-key',
      id: `${index}:${index % 7}@s.whatsapp.net/${index}.x`,
      value: JSON.stringify({ index }),
    }));
    await repository.writeKeys(session, entries);

    for (const type of types) {
      const expected = entries.filter((entry) => entry.type === type);
      // Ask for every id of the type (over the 500-per-query slice) plus some that don't exist.
      const read = await repository.readKeys(session, type, [...expected.map((entry) => entry.id), 'missing', 'also:missing']);
      assert.equal(read.size, expected.length, type);
      for (const entry of expected) assert.equal(read.get(entry.id), entry.value);
    }
    const total = await database.storage.db.selectFrom('wa_keys').select((eb) => eb.fn.countAll().as('count')).where('session_id', '=', session).executeTakeFirstOrThrow();
    assert.equal(Number(total.count), 1000);
  });

  it('reads more than 500 ids of one type at once', async () => {
    const ids = Array.from({ length: 1203 }, (_, index) => `bulk-${index}`);
    await repository.writeKeys(session, ids.map((id) => ({ type: 'bulk', id, value: `"${id}"` })));
    const read = await repository.readKeys(session, 'bulk', ids);
    assert.equal(read.size, ids.length);
    assert.equal(read.get('bulk-1202'), '"bulk-1202"');
  });

  it('keeps ids with ":" "/" "@" "." and quotes intact, and separate per type and session', async () => {
    await repository.writeKeys(session, AWKWARD_IDS.map((id) => ({ type: 'session', id, value: JSON.stringify(id) })));
    await repository.writeKeys(other, [{ type: 'session', id: AWKWARD_IDS[0] ?? '', value: '"other"' }]);
    const read = await repository.readKeys(session, 'session', AWKWARD_IDS);
    assert.deepEqual([...read.keys()].sort(), [...AWKWARD_IDS].sort());
    for (const id of AWKWARD_IDS) assert.equal(read.get(id), JSON.stringify(id));
    assert.equal((await repository.readKeys(other, 'session', AWKWARD_IDS)).get(AWKWARD_IDS[0] ?? ''), '"other"');
    assert.equal((await repository.readKeys(session, 'pre-key', AWKWARD_IDS)).size, 0);
  });

  it('updates existing keys, deletes with null, and applies the last change to a key named twice', async () => {
    await repository.writeKeys(session, [
      { type: 'pre-key', id: 'p1', value: '"old"' },
      { type: 'pre-key', id: 'p2', value: '"keep"' },
      { type: 'pre-key', id: 'p3', value: '"gone"' },
    ]);
    await repository.writeKeys(session, [
      { type: 'pre-key', id: 'p1', value: '"new"' },
      { type: 'pre-key', id: 'p3', value: null },
      { type: 'pre-key', id: 'p4', value: '"first"' },
      { type: 'pre-key', id: 'p4', value: '"second"' },
      { type: 'pre-key', id: 'p5', value: '"briefly"' },
      { type: 'pre-key', id: 'p5', value: null },
      { type: 'pre-key', id: 'never-there', value: null },
    ]);
    const read = await repository.readKeys(session, 'pre-key', ['p1', 'p2', 'p3', 'p4', 'p5']);
    assert.deepEqual(Object.fromEntries(read), { p1: '"new"', p2: '"keep"', p4: '"second"' });
  });

  it('deletes 1,000 keys in one batch', async () => {
    const ids = Array.from({ length: 1000 }, (_, index) => `del-${index}`);
    await repository.writeKeys(session, ids.map((id) => ({ type: 'sender-key', id, value: '{}' })));
    await repository.writeKeys(session, ids.map((id) => ({ type: 'sender-key', id, value: null })));
    assert.equal((await repository.readKeys(session, 'sender-key', ids)).size, 0);
  });

  it('writes a batch all or nothing', async () => {
    // The last key breaks NOT NULL, so the second slice fails after the first was written.
    const entries: WaKeyWrite[] = Array.from({ length: 600 }, (_, index) => ({
      type: 'atomic',
      id: `a-${index}`,
      value: index === 599 ? (undefined as unknown as string) : '{}',
    }));
    await assert.rejects(repository.writeKeys(session, entries), /null/i);
    assert.equal((await repository.readKeys(session, 'atomic', entries.map((entry) => entry.id))).size, 0);
  });

  it('answers an empty read or write without touching the database', async () => {
    assert.equal((await repository.readKeys(session, 'pre-key', [])).size, 0);
    await repository.writeKeys(session, []);
  });

  it('wipes creds and every key of one session only', async () => {
    await repository.writeCreds(other, '{"other":true}');
    await repository.wipe(session);
    assert.equal(await repository.readCreds(session), null);
    assert.equal(await repository.hasCreds(session), false);
    const left = await database.storage.db.selectFrom('wa_keys').select('key_id').where('session_id', '=', session).execute();
    assert.deepEqual(left, []);
    assert.equal(await repository.readCreds(other), '{"other":true}');
    assert.equal((await repository.readKeys(other, 'session', [AWKWARD_IDS[0] ?? ''])).size, 1);
  });
});

describe('chunk', () => {
  it('splits into slices of at most the size, keeping order', () => {
    assert.deepEqual(chunk([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
    assert.deepEqual(chunk([], 2), []);
    assert.equal(chunk(Array.from({ length: 1001 }, (_, index) => index)).length, 3);
    assert.throws(() => chunk([1], 0), RangeError);
  });
});
