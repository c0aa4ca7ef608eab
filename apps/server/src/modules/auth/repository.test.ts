import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { DuplicateError } from '../../storage/errors.js';
import { forEachDatabase } from '../../storage/testing.js';
import { UsersRepository } from '../users/repository.js';
import { AuthRepository } from './repository.js';
import type { NewApiKey } from './repository.js';

const T0 = '2025-01-01T00:00:00.000Z';
const at = (minutes: number): string => new Date(Date.parse(T0) + minutes * 60_000).toISOString();

function newKey(overrides: Partial<NewApiKey> & Pick<NewApiKey, 'id' | 'keyHash'>): NewApiKey {
  return { name: 'CI', prefix: 'wsk_abcdef', role: 'operator', createdBy: 'admin', createdAt: T0, ...overrides };
}

forEachDatabase('AuthRepository', (database) => {
  let auth: AuthRepository;
  let users: UsersRepository;

  before(async () => {
    auth = new AuthRepository(database.storage.db);
    users = new UsersRepository(database.storage.db);
    for (const [id, role] of [['admin', 'admin'], ['operator', 'operator'], ['leaver', 'operator']] as const) {
      await users.create({ id, email: `${id}@example.com`, name: `The ${id}`, role, passwordHash: 'h', locale: 'en', createdAt: T0, updatedAt: T0 });
    }
  });

  it('creates a login session and finds it with its user while it is valid', async () => {
    const session = await auth.createLoginSession({ idHash: 'hash-1', userId: 'admin', createdAt: T0, expiresAt: at(60) });
    assert.deepEqual(session, { idHash: 'hash-1', userId: 'admin', createdAt: T0, expiresAt: at(60), lastSeenAt: T0 });

    const found = await auth.findValidLoginSession('hash-1', at(59));
    assert.deepEqual(found?.session, session);
    assert.equal(found?.user.id, 'admin');
    assert.equal(found?.user.email, 'admin@example.com');
    assert.equal(found?.user.role, 'admin');
    assert.equal(found?.user.name, 'The admin');
    assert.equal(found?.user.createdAt, T0);

    assert.equal(await auth.findValidLoginSession('hash-1', at(60)), null, 'expired at its expiry instant');
    assert.equal(await auth.findValidLoginSession('unknown', at(0)), null);
  });

  it('touches a session, optionally sliding its expiry', async () => {
    await auth.touchLoginSession('hash-1', at(10));
    assert.equal((await auth.findValidLoginSession('hash-1', at(10)))?.session.lastSeenAt, at(10));
    await auth.touchLoginSession('hash-1', at(30), at(120));
    const found = await auth.findValidLoginSession('hash-1', at(90));
    assert.equal(found?.session.lastSeenAt, at(30));
    assert.equal(found?.session.expiresAt, at(120));
  });

  it('deletes one session, expired ones, and all of a user (optionally but one)', async () => {
    await auth.createLoginSession({ idHash: 'op-a', userId: 'operator', createdAt: T0, expiresAt: at(5) });
    await auth.createLoginSession({ idHash: 'op-b', userId: 'operator', createdAt: T0, expiresAt: at(500) });
    await auth.createLoginSession({ idHash: 'op-c', userId: 'operator', createdAt: T0, expiresAt: at(500) });
    await auth.createLoginSession({ idHash: 'op-d', userId: 'operator', createdAt: T0, expiresAt: at(500) });

    assert.equal(await auth.deleteExpiredLoginSessions(at(5)), 1);
    assert.equal(await auth.findValidLoginSession('op-a', at(0)), null);

    assert.equal(await auth.deleteLoginSession('op-b'), true);
    assert.equal(await auth.deleteLoginSession('op-b'), false);

    assert.equal(await auth.deleteLoginSessionsForUser('operator', { exceptIdHash: 'op-d' }), 1);
    assert.equal(await auth.findValidLoginSession('op-c', at(0)), null);
    assert.ok(await auth.findValidLoginSession('op-d', at(0)));
    assert.equal(await auth.deleteLoginSessionsForUser('operator'), 1);
    assert.ok(await auth.findValidLoginSession('hash-1', at(0)), "another user's session stays");
  });

  it('creates an API key and finds it by hash with its creator', async () => {
    const created = await auth.createApiKey(newKey({ id: 'k1', keyHash: 'key-hash-1' }));
    assert.deepEqual(created, { id: 'k1', name: 'CI', prefix: 'wsk_abcdef', role: 'operator', createdBy: 'admin', createdAt: T0, lastUsedAt: null, revokedAt: null });
    const found = await auth.findActiveApiKey('key-hash-1');
    assert.deepEqual(found, { ...created, creator: { id: 'admin', name: 'The admin', email: 'admin@example.com', role: 'admin' } });
    assert.equal(await auth.findActiveApiKey('nope'), null);
  });

  it('rejects a duplicate key hash with DuplicateError', async () => {
    await assert.rejects(auth.createApiKey(newKey({ id: 'k-dup', keyHash: 'key-hash-1' })), DuplicateError);
  });

  it("a key stops working when its creator is deleted (a leaver's keys leave with them)", async () => {
    await auth.createApiKey(newKey({ id: 'k2', keyHash: 'key-hash-2', createdBy: 'leaver', createdAt: at(1) }));
    assert.equal((await auth.findActiveApiKey('key-hash-2'))?.creator.id, 'leaver');
    await users.delete('leaver');
    assert.equal(await auth.findActiveApiKey('key-hash-2'), null);
    assert.equal((await auth.listApiKeys()).find((key) => key.id === 'k2')?.createdBy, null, 'still listed, unowned');
  });

  it('revokes every active key a user created', async () => {
    await auth.createApiKey(newKey({ id: 'k-op', keyHash: 'key-hash-op', createdBy: 'operator', createdAt: at(1) }));
    assert.equal(await auth.revokeApiKeysCreatedBy('operator', at(3)), 1);
    assert.equal(await auth.revokeApiKeysCreatedBy('operator', at(4)), 0);
    assert.equal(await auth.findActiveApiKey('key-hash-op'), null);
    assert.ok(await auth.findActiveApiKey('key-hash-1'), "another user's key stays");
  });

  it('records last use at most once a minute', async () => {
    await auth.touchApiKey('k1', at(10));
    assert.equal((await auth.findActiveApiKey('key-hash-1'))?.lastUsedAt, at(10));
    await auth.touchApiKey('k1', at(10.5));
    assert.equal((await auth.findActiveApiKey('key-hash-1'))?.lastUsedAt, at(10), 'within the minute: unchanged');
    await auth.touchApiKey('k1', at(11));
    assert.equal((await auth.findActiveApiKey('key-hash-1'))?.lastUsedAt, at(11));
  });

  it('lists keys newest first without hashes', async () => {
    await auth.createApiKey(newKey({ id: 'k3', keyHash: 'key-hash-3', name: 'Zapier', createdAt: at(2), createdBy: null }));
    const listed = await auth.listApiKeys();
    assert.deepEqual(listed.map((key) => key.id), ['k3', 'k2', 'k-op', 'k1']);
    for (const key of listed) {
      assert.equal('keyHash' in key, false);
      assert.equal(JSON.stringify(key).includes('key-hash'), false);
    }
  });

  it('revokes a key once; a revoked key is no longer found but still listed', async () => {
    assert.equal(await auth.revokeApiKey('k1', at(20)), true);
    assert.equal(await auth.revokeApiKey('k1', at(21)), false);
    assert.equal(await auth.revokeApiKey('nope', at(21)), false);
    assert.equal(await auth.findActiveApiKey('key-hash-1'), null);
    const listed = await auth.listApiKeys();
    assert.equal(listed.find((key) => key.id === 'k1')?.revokedAt, at(20));
  });
});
