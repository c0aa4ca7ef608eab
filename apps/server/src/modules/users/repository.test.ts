import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { DuplicateError } from '../../storage/errors.js';
import { forEachDatabase } from '../../storage/testing.js';
import { UsersRepository } from './repository.js';
import type { NewUser } from './repository.js';

function newUser(overrides: Partial<NewUser> & Pick<NewUser, 'id' | 'email'>): NewUser {
  return {
    name: 'Test User',
    role: 'operator',
    passwordHash: 'scrypt$hash',
    locale: 'en',
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

forEachDatabase('UsersRepository', (database) => {
  let users: UsersRepository;
  before(() => {
    users = new UsersRepository(database.storage.db);
  });

  it('starts empty', async () => {
    assert.equal(await users.count(), 0);
    assert.equal(await users.countAdmins(), 0);
    assert.deepEqual(await users.list(), []);
  });

  it('creates a user, storing the email lower-case', async () => {
    const created = await users.create(newUser({ id: 'u1', email: 'Amal@Example.COM', role: 'admin', name: 'Amal', locale: 'ar' }));
    assert.deepEqual(created, {
      id: 'u1',
      email: 'amal@example.com',
      name: 'Amal',
      role: 'admin',
      locale: 'ar',
      passwordHash: 'scrypt$hash',
      createdAt: '2025-01-01T00:00:00.000Z',
      updatedAt: '2025-01-01T00:00:00.000Z',
    });
    assert.deepEqual(await users.findById('u1'), created);
  });

  it('finds by email whatever its case', async () => {
    assert.equal((await users.findByEmail('AMAL@example.com'))?.id, 'u1');
    assert.equal((await users.findByEmail(' amal@EXAMPLE.com '))?.id, 'u1');
    assert.equal(await users.findByEmail('nobody@example.com'), null);
    assert.equal(await users.findById('nobody'), null);
  });

  it('rejects a duplicate email, in any case, with DuplicateError', async () => {
    await assert.rejects(users.create(newUser({ id: 'u2', email: 'AMAL@EXAMPLE.COM' })), (error: unknown) => {
      assert.ok(error instanceof DuplicateError);
      assert.equal(error.code, 'duplicate');
      assert.equal(error.statusCode, 409);
      return true;
    });
    assert.equal(await users.count(), 1);
  });

  it('lists oldest first, without password hashes, and counts', async () => {
    await users.create(newUser({ id: 'u3', email: 'omar@example.com', createdAt: '2025-02-01T00:00:00.000Z', updatedAt: '2025-02-01T00:00:00.000Z' }));
    await users.create(newUser({ id: 'u4', email: 'sara@example.com', role: 'admin', createdAt: '2025-01-15T00:00:00.000Z', updatedAt: '2025-01-15T00:00:00.000Z' }));
    const listed = await users.list();
    assert.deepEqual(listed.map((user) => user.id), ['u1', 'u4', 'u3']);
    for (const user of listed) assert.equal('passwordHash' in user, false);
    assert.equal(await users.count(), 3);
    assert.equal(await users.countAdmins(), 2);
  });

  it('updates the password hash and locale', async () => {
    assert.equal(await users.updatePassword('u3', 'scrypt$new', '2025-03-01T00:00:00.000Z'), true);
    assert.equal(await users.updateLocale('u3', 'ar', '2025-03-02T00:00:00.000Z'), true);
    const updated = await users.findById('u3');
    assert.equal(updated?.passwordHash, 'scrypt$new');
    assert.equal(updated?.locale, 'ar');
    assert.equal(updated?.updatedAt, '2025-03-02T00:00:00.000Z');
    assert.equal(await users.updatePassword('nobody', 'x', '2025-03-01T00:00:00.000Z'), false);
    assert.equal(await users.updateLocale('nobody', 'en', '2025-03-01T00:00:00.000Z'), false);
  });

  it('deletes a user, taking their login sessions with them', async () => {
    const now = '2025-03-01T00:00:00.000Z';
    await database.storage.db.insertInto('login_sessions').values({ id_hash: 'h-u4', user_id: 'u4', created_at: now, expires_at: now, last_seen_at: now }).execute();
    assert.equal(await users.delete('u4'), true);
    assert.equal(await users.delete('u4'), false);
    assert.equal(await users.findById('u4'), null);
    assert.equal(await users.countAdmins(), 1);
    const sessions = await database.storage.db.selectFrom('login_sessions').select('id_hash').where('user_id', '=', 'u4').execute();
    assert.deepEqual(sessions, []);
  });
});
