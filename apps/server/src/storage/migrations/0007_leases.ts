import type { Kysely, Migration } from 'kysely';
import { atomically } from './atomically.js';

/**
 * Cluster mode: the running instances, and which of them owns each WhatsApp session.
 *
 * Times here are milliseconds by the database's clock (`bigint`), not ISO text as
 * elsewhere: they are computed and compared inside SQL (`now + ttl`, `expires_at > now`),
 * so that no host's clock decides who owns a session.
 *
 * `session_leases` keeps one row per session forever, with no foreign key: its `token`
 * only ever grows, and a deleted-and-recreated session (or a removed instance) must not
 * start it again at 1, or an old owner's token could become valid again.
 */
export const leases: Migration = {
  up: (db: Kysely<unknown>) =>
    atomically(db, async (trx) => {
      await trx.schema
        .createTable('instances')
        .addColumn('id', 'text', (column) => column.primaryKey())
        // How the other instances reach this one (host:port), for commands to the owner.
        .addColumn('address', 'text', (column) => column.notNull())
        .addColumn('pid', 'integer', (column) => column.notNull())
        .addColumn('started_at', 'bigint', (column) => column.notNull())
        .addColumn('heartbeat_at', 'bigint', (column) => column.notNull())
        // 1 while it hands its sessions over on the way out: nothing new is placed on it.
        .addColumn('leaving', 'integer', (column) => column.notNull().defaultTo(0))
        .execute();
      await trx.schema
        .createTable('session_leases')
        .addColumn('session_id', 'text', (column) => column.primaryKey())
        .addColumn('owner_instance', 'text', (column) => column.notNull())
        .addColumn('token', 'bigint', (column) => column.notNull())
        .addColumn('expires_at', 'bigint', (column) => column.notNull())
        .execute();
      await trx.schema.createIndex('session_leases_owner_instance_idx').on('session_leases').columns(['owner_instance', 'expires_at']).execute();
    }),
  down: (db: Kysely<unknown>) =>
    atomically(db, async (trx) => {
      await trx.schema.dropTable('session_leases').execute();
      await trx.schema.dropTable('instances').execute();
    }),
};
