import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { Migrator, NO_MIGRATIONS, sql } from 'kysely';
import { SQLITE_FILE_NAME, openStorage } from './db.js';
import { MigrationError, migrateToLatest } from './migrate.js';
import { migrations } from './migrations/index.js';
import { forEachDatabase } from './testing.js';

const TABLES = ['users', 'login_sessions', 'api_keys', 'wa_sessions', 'wa_creds', 'wa_keys', 'messages', 'session_transitions', 'instances', 'session_leases'] as const;

forEachDatabase('storage', (database) => {
  it('creates every table', async () => {
    for (const table of TABLES) {
      const rows = await database.storage.db.selectFrom(table).selectAll().execute();
      assert.deepEqual(rows, [], table);
    }
  });

  it('answers ping', async () => {
    await database.storage.ping();
  });

  it('runs migrations idempotently: a second run applies nothing and keeps the data', async () => {
    const now = new Date().toISOString();
    await database.storage.db.insertInto('wa_sessions').values({ id: 'kept', desired_state: 'running', phone_number: null, created_at: now, updated_at: now }).execute();

    const options = database.pgSchema ? { migrationTableSchema: database.pgSchema } : {};
    assert.deepEqual(await migrateToLatest(database.storage.db, options), []);
    for (let run = 0; run < 2; run++) {
      const again = await database.reopen();
      try {
        const row = await again.db.selectFrom('wa_sessions').select('desired_state').where('id', '=', 'kept').executeTakeFirst();
        assert.equal(row?.desired_state, 'running');
      } finally {
        await again.close();
      }
    }
    const applied = await database.storage.db.selectFrom('kysely_migration' as never).selectAll().execute();
    assert.equal(applied.length, Object.keys(migrations).length);
  });

  it('returns bigint and count(*) as numbers', async () => {
    const { rows } = await sql<{ big: unknown; total: unknown }>`select cast(1800000000000 as bigint) as big, (select count(*) from users) as total`.execute(database.storage.db);
    assert.deepEqual(rows[0], { big: 1_800_000_000_000, total: 0 });
  });

  it('enforces foreign keys', async () => {
    const now = new Date().toISOString();
    await assert.rejects(
      database.storage.db.insertInto('login_sessions').values({ id_hash: 'orphan', user_id: 'nobody', created_at: now, expires_at: now, last_seen_at: now }).execute(),
    );
  });

  it('has a down migration that undoes the schema, and up again works', async () => {
    const migrator = new Migrator({
      db: database.storage.db,
      provider: { getMigrations: () => Promise.resolve({ ...migrations }) },
      ...(database.pgSchema ? { migrationTableSchema: database.pgSchema } : {}),
    });
    const down = await migrator.migrateTo(NO_MIGRATIONS);
    assert.equal(down.error, undefined);
    assert.deepEqual(down.results?.map((result) => result.migrationName), Object.keys(migrations).reverse());
    await assert.rejects(database.storage.db.selectFrom('users').selectAll().execute());
    await assert.rejects(database.storage.db.selectFrom('campaigns').selectAll().execute());
    await assert.rejects(database.storage.db.selectFrom('wa_retry_counts').selectAll().execute());
    await assert.rejects(database.storage.db.selectFrom('session_leases').selectAll().execute());
    const up = await migrator.migrateToLatest();
    assert.equal(up.error, undefined);
    assert.deepEqual(await database.storage.db.selectFrom('users').selectAll().execute(), []);
    assert.deepEqual(await database.storage.db.selectFrom('wa_retry_counts').selectAll().execute(), []);
  });
});

forEachDatabase('migration 0003_inbound', (database) => {
  const message = (id: string, sessionId: string) => ({
    id,
    session_id: sessionId,
    direction: 'in' as const,
    peer: '+966501112222',
    text: 'kept',
    status: 'delivered' as const,
    error: null,
    error_code: null,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
  });

  it('keeps the stored messages, keys them by (session, id), and goes back down', async () => {
    const db = database.storage.db;
    const migrator = new Migrator({
      db,
      provider: { getMigrations: () => Promise.resolve({ ...migrations }) },
      ...(database.pgSchema ? { migrationTableSchema: database.pgSchema } : {}),
    });
    assert.equal((await migrator.migrateTo('0002_campaigns')).error, undefined);
    await db.insertInto('messages').values([message('M1', 'default'), message('M2', 'default')]).execute();
    await assert.rejects(db.insertInto('messages').values(message('M1', 'other')).execute(), 'before: one id per database');

    assert.equal((await migrator.migrateToLatest()).error, undefined);
    const rows = await db.selectFrom('messages').selectAll().orderBy('id').execute();
    assert.deepEqual(rows, [{ ...message('M1', 'default'), peer_lid: null }, { ...message('M2', 'default'), peer_lid: null }]);
    await db.insertInto('messages').values(message('M1', 'other')).execute();
    await assert.rejects(db.insertInto('messages').values(message('M1', 'other')).execute(), 'after: one id per session');
    await db.insertInto('lid_mappings').values({ session_id: 'default', lid: '1@lid', phone: null, updated_at: '2026-01-01T00:00:00.000Z' }).execute();

    await db.deleteFrom('messages').where('session_id', '=', 'other').execute();
    assert.equal((await migrator.migrateTo('0002_campaigns')).error, undefined);
    assert.deepEqual((await db.selectFrom('messages').select('id').orderBy('id').execute()).map((row) => row.id), ['M1', 'M2']);
    await assert.rejects(db.selectFrom('lid_mappings').selectAll().execute());
    assert.equal((await migrator.migrateToLatest()).error, undefined);
  });
});

forEachDatabase('migration 0005_restrictions', (database) => {
  it('keeps the sessions, unrestricted, and goes back down', async () => {
    const db = database.storage.db;
    const migrator = new Migrator({
      db,
      provider: { getMigrations: () => Promise.resolve({ ...migrations }) },
      ...(database.pgSchema ? { migrationTableSchema: database.pgSchema } : {}),
    });
    assert.equal((await migrator.migrateTo('0004_retries')).error, undefined);
    const now = '2026-01-01T00:00:00.000Z';
    await db.insertInto('wa_sessions').values({ id: 'kept', desired_state: 'running', phone_number: '+966501234567', created_at: now, updated_at: now }).execute();
    assert.equal((await migrator.migrateToLatest()).error, undefined);
    const row = await db.selectFrom('wa_sessions').selectAll().where('id', '=', 'kept').executeTakeFirstOrThrow();
    assert.deepEqual([row.desired_state, row.phone_number, row.restriction_code, row.restriction_since, row.restriction_reason], ['running', '+966501234567', null, null, null]);
    await db.updateTable('wa_sessions').set({ restriction_code: '463', restriction_since: now, restriction_reason: 'restricted' }).execute();
    assert.equal((await migrator.migrateTo('0004_retries')).error, undefined);
    assert.equal((await db.selectFrom('wa_sessions').select('id').execute()).length, 1);
    assert.equal((await migrator.migrateToLatest()).error, undefined);
  });
});

describe('openStorage on SQLite', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'wasla-db-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('creates the data directory and wasla.db with the expected pragmas', async () => {
    const dataDir = path.join(root, 'nested', 'data');
    const storage = await openStorage({ dataDir });
    try {
      assert.equal(storage.dialect, 'sqlite');
      assert.ok(existsSync(path.join(dataDir, SQLITE_FILE_NAME)));
      const pragma = async (name: string): Promise<unknown> => {
        const { rows } = await sql<Record<string, unknown>>`${sql.raw(`pragma ${name}`)}`.execute(storage.db);
        return Object.values(rows[0] ?? {})[0];
      };
      assert.equal(await pragma('journal_mode'), 'wal');
      assert.equal(await pragma('synchronous'), 1); // NORMAL
      assert.equal(await pragma('foreign_keys'), 1);
      assert.equal(await pragma('busy_timeout'), 5000);
    } finally {
      await storage.close();
      await storage.close(); // closing twice is harmless
    }
  });

  it('logs the migrations it applies, and none on the next open', async () => {
    const dataDir = path.join(root, 'logged');
    const logged: string[] = [];
    const logger = { debug() {}, warn() {}, error() {}, info: (details: object) => logged.push(String((details as { migration?: string }).migration)) };
    await (await openStorage({ dataDir, logger })).close();
    assert.deepEqual(logged, Object.keys(migrations));
    await (await openStorage({ dataDir, logger })).close();
    assert.deepEqual(logged, Object.keys(migrations));
  });

  it('names the failed migration and rolls it back entirely', async () => {
    const dataDir = path.join(root, 'conflict');
    // A table in the way makes 0001_initial fail after it has created the tables before it.
    mkdirSync(dataDir, { recursive: true });
    const raw = new SQLite(path.join(dataDir, SQLITE_FILE_NAME));
    raw.exec('create table wa_sessions (id text)');
    raw.close();

    await assert.rejects(openStorage({ dataDir }), (error: unknown) => {
      assert.ok(error instanceof MigrationError);
      assert.equal(error.migrationName, '0001_initial');
      assert.match(error.message, /Database migration "0001_initial" failed: .*wa_sessions/);
      return true;
    });
    const check = new SQLite(path.join(dataDir, SQLITE_FILE_NAME), { readonly: true });
    try {
      const tables = check.prepare("select name from sqlite_master where type = 'table' and name = 'users'").all();
      assert.deepEqual(tables, [], 'the tables created before the failure were rolled back');
    } finally {
      check.close();
    }
  });

  it('rejects a database URL that is not PostgreSQL', async () => {
    await assert.rejects(openStorage({ databaseUrl: 'mysql://localhost/db', dataDir: root }), /postgres:\/\//);
  });
});
