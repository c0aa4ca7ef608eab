import type { Kysely, Migration } from 'kysely';
import { atomically } from './atomically.js';

/**
 * The session's last published state, with its `(epoch, rev)`, kept beside the session.
 * Any instance can then answer with a session's truth it did not see change (it started
 * later, or missed events while Redis was away), and the next owner continues its epochs
 * from the stored one, so no client ever sees a state roll back across restarts and
 * failovers. `state` is the public `SessionState` as JSON text (both databases store it as is).
 */
export const sessionState: Migration = {
  up: (db: Kysely<unknown>) =>
    atomically(db, async (trx) => {
      await trx.schema.alterTable('wa_sessions').addColumn('state', 'text').execute();
      await trx.schema.alterTable('wa_sessions').addColumn('state_epoch', 'bigint').execute();
      await trx.schema.alterTable('wa_sessions').addColumn('state_rev', 'bigint').execute();
    }),
  down: (db: Kysely<unknown>) =>
    atomically(db, async (trx) => {
      for (const column of ['state_rev', 'state_epoch', 'state']) await trx.schema.alterTable('wa_sessions').dropColumn(column).execute();
    }),
};
