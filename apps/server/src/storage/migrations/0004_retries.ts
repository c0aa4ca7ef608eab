import type { Kysely, Migration } from 'kysely';
import { atomically } from './atomically.js';

/**
 * How many times WhatsApp's client counted a retry of each message for each asking
 * device (Baileys' `msgRetryCounterCache`), per session, so a reconnect or a restart
 * doesn't hand out a fresh allowance of resends. Same rules as 0001: only types both
 * databases share.
 */
export const retries: Migration = {
  up: (db: Kysely<unknown>) =>
    atomically(db, async (trx) => {
      await trx.schema
        .createTable('wa_retry_counts')
        .addColumn('session_id', 'text', (column) => column.notNull().references('wa_sessions.id').onDelete('cascade'))
        // Baileys' own key, `<message id>:<device jid>`.
        .addColumn('retry_key', 'text', (column) => column.notNull())
        .addColumn('count', 'integer', (column) => column.notNull())
        .addColumn('expires_at', 'text', (column) => column.notNull())
        .addPrimaryKeyConstraint('wa_retry_counts_pkey', ['session_id', 'retry_key'])
        .execute();
      await trx.schema.createIndex('wa_retry_counts_expires_at_idx').on('wa_retry_counts').column('expires_at').execute();
    }),
  down: (db: Kysely<unknown>) => atomically(db, (trx) => trx.schema.dropTable('wa_retry_counts').execute()),
};
