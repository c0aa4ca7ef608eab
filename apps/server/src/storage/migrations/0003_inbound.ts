import type { Kysely, Migration } from 'kysely';
import { sql } from 'kysely';
import { atomically } from './atomically.js';

// Same rules as 0001: only types both databases share. SQLite can't change a primary
// key in place, so `messages` is rebuilt (copy, drop, rename) the same way on both.

const COLUMNS = ['id', 'session_id', 'direction', 'peer', 'text', 'status', 'error', 'error_code', 'created_at', 'updated_at'];

async function createMessages(db: Kysely<unknown>, table: string, key: 'session' | 'id', withPeerLid: boolean): Promise<void> {
  let create = db.schema
    .createTable(table)
    .addColumn('id', 'text', (column) => column.notNull())
    .addColumn('session_id', 'text', (column) => column.notNull())
    .addColumn('direction', 'text', (column) => column.notNull())
    .addColumn('peer', 'text', (column) => column.notNull())
    .addColumn('text', 'text', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('error', 'text')
    .addColumn('error_code', 'text')
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('updated_at', 'text', (column) => column.notNull());
  // A message id is the sender's: two linked numbers of one Wasla that write to each
  // other store the same id once each, so the key is (session, id). PostgreSQL keeps a
  // constraint's name through a table rename, so each shape has a name of its own.
  create = key === 'session'
    ? create.addPrimaryKeyConstraint('messages_session_id_id_pkey', ['session_id', 'id'])
    : create.addPrimaryKeyConstraint('messages_pkey', ['id']);
  if (withPeerLid) create = create.addColumn('peer_lid', 'text');
  await create.execute();
}

async function rebuildMessages(db: Kysely<unknown>, key: 'session' | 'id', withPeerLid: boolean): Promise<void> {
  await createMessages(db, 'messages_rebuilt', key, withPeerLid);
  const columns = sql.join(COLUMNS.map((column) => sql.id(column)));
  await sql`insert into messages_rebuilt (${columns}) select ${columns} from messages`.execute(db);
  await db.schema.dropTable('messages').execute();
  await db.schema.alterTable('messages_rebuilt').renameTo('messages').execute();
  // The message list pages newest first by (created_at, id), optionally for one session.
  await db.schema.createIndex('messages_created_at_id_idx').on('messages').columns(['created_at', 'id']).execute();
  await db.schema.createIndex('messages_session_id_created_at_idx').on('messages').columns(['session_id', 'created_at']).execute();
}

/**
 * Incoming messages kept exactly once per session, and senders WhatsApp names only by
 * LID: `messages.peer_lid` keeps the LID a message came from (its `peer` is that LID
 * until the number is known), and `lid_mappings` holds every LID seen per session with
 * its number once known (null until then).
 */
export const inbound: Migration = {
  up: (db: Kysely<unknown>) =>
    atomically(db, async (trx) => {
      await rebuildMessages(trx, 'session', true);
      await trx.schema.createIndex('messages_session_id_peer_idx').on('messages').columns(['session_id', 'peer']).execute();
      await trx.schema
        .createTable('lid_mappings')
        .addColumn('session_id', 'text', (column) => column.notNull())
        .addColumn('lid', 'text', (column) => column.notNull())
        .addColumn('phone', 'text')
        .addColumn('updated_at', 'text', (column) => column.notNull())
        .addPrimaryKeyConstraint('lid_mappings_pkey', ['session_id', 'lid'])
        .execute();
    }),
  // Fails if two sessions stored the same message id: going back would lose one of them.
  down: (db: Kysely<unknown>) =>
    atomically(db, async (trx) => {
      await trx.schema.dropTable('lid_mappings').execute();
      await rebuildMessages(trx, 'id', false);
    }),
};
