import type { Kysely, Migration } from 'kysely';
import { atomically } from './atomically.js';

const COLUMNS = ['restriction_code', 'restriction_since', 'restriction_reason'] as const;

/**
 * A number's restriction by WhatsApp (an ack with error 463) is a stored state of the
 * session, so it outlives restarts and relinking until a person lifts it. All three
 * columns are set together, or all null. Same rules as 0001: only types both databases share.
 */
export const restrictions: Migration = {
  up: (db: Kysely<unknown>) =>
    atomically(db, async (trx) => {
      for (const column of COLUMNS) await trx.schema.alterTable('wa_sessions').addColumn(column, 'text').execute();
    }),
  down: (db: Kysely<unknown>) =>
    atomically(db, async (trx) => {
      for (const column of COLUMNS) await trx.schema.alterTable('wa_sessions').dropColumn(column).execute();
    }),
};
