import type { Kysely, Migration } from 'kysely';
import { atomically } from './atomically.js';

// Written only with the schema builder and types both databases share ('text',
// 'integer', 'bigint'), so this one migration runs unchanged on SQLite and PostgreSQL.
// Enum-like columns carry no CHECK: SQLite can't alter one without rebuilding the table.

async function createAccountTables(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('email', 'text', (column) => column.notNull().unique())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('role', 'text', (column) => column.notNull())
    .addColumn('password_hash', 'text', (column) => column.notNull())
    .addColumn('locale', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('login_sessions')
    .addColumn('id_hash', 'text', (column) => column.primaryKey())
    .addColumn('user_id', 'text', (column) => column.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('expires_at', 'text', (column) => column.notNull())
    .addColumn('last_seen_at', 'text', (column) => column.notNull())
    .execute();
  // For "log this user out everywhere" and for the cascade when a user is deleted.
  await db.schema.createIndex('login_sessions_user_id_idx').on('login_sessions').column('user_id').execute();
  await db.schema.createIndex('login_sessions_expires_at_idx').on('login_sessions').column('expires_at').execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('prefix', 'text', (column) => column.notNull())
    .addColumn('key_hash', 'text', (column) => column.notNull().unique())
    .addColumn('role', 'text', (column) => column.notNull())
    // A key outlives the person who made it; it only loses its "created by".
    .addColumn('created_by', 'text', (column) => column.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('api_keys_created_by_idx').on('api_keys').column('created_by').execute();
}

async function createWhatsAppTables(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('wa_sessions')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('desired_state', 'text', (column) => column.notNull())
    .addColumn('phone_number', 'text')
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('wa_creds')
    .addColumn('session_id', 'text', (column) => column.primaryKey().references('wa_sessions.id').onDelete('cascade'))
    .addColumn('creds', 'text', (column) => column.notNull())
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('wa_keys')
    .addColumn('session_id', 'text', (column) => column.notNull().references('wa_sessions.id').onDelete('cascade'))
    .addColumn('type', 'text', (column) => column.notNull())
    .addColumn('key_id', 'text', (column) => column.notNull())
    .addColumn('value', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('wa_keys_pkey', ['session_id', 'type', 'key_id'])
    .execute();

  await db.schema
    .createTable('messages')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('session_id', 'text', (column) => column.notNull())
    .addColumn('direction', 'text', (column) => column.notNull())
    .addColumn('peer', 'text', (column) => column.notNull())
    .addColumn('text', 'text', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('error', 'text')
    .addColumn('error_code', 'text')
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .execute();
  // The message list pages newest first by (created_at, id), optionally for one session.
  await db.schema.createIndex('messages_created_at_id_idx').on('messages').columns(['created_at', 'id']).execute();
  await db.schema.createIndex('messages_session_id_created_at_idx').on('messages').columns(['session_id', 'created_at']).execute();

  await db.schema
    .createTable('session_transitions')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('session_id', 'text', (column) => column.notNull())
    // A ms timestamp: past 2^31, so `bigint` (SQLite's INTEGER is 64-bit either way).
    .addColumn('epoch', 'bigint', (column) => column.notNull())
    .addColumn('rev', 'integer', (column) => column.notNull())
    .addColumn('from_status', 'text', (column) => column.notNull())
    .addColumn('to_status', 'text', (column) => column.notNull())
    .addColumn('event', 'text', (column) => column.notNull())
    .addColumn('error_code', 'text')
    .addColumn('error', 'text')
    .addColumn('at', 'text', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('session_transitions_session_id_at_idx').on('session_transitions').columns(['session_id', 'at']).execute();
}

/** Users, logins, API keys, WhatsApp sessions with their credentials, messages, transitions. */
export const initial: Migration = {
  up: (db: Kysely<unknown>) =>
    atomically(db, async (trx) => {
      await createAccountTables(trx);
      await createWhatsAppTables(trx);
    }),
  down: (db: Kysely<unknown>) =>
    atomically(db, async (trx) => {
      for (const table of ['session_transitions', 'messages', 'wa_keys', 'wa_creds', 'wa_sessions', 'api_keys', 'login_sessions', 'users']) {
        await trx.schema.dropTable(table).execute();
      }
    }),
};
