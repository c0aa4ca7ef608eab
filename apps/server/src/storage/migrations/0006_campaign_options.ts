import type { Kysely, Migration } from 'kysely';
import { sql } from 'kysely';
import { atomically } from './atomically.js';

/**
 * A campaign's options (`CampaignOptions` as JSON), e.g. whether recipients without a
 * value for a variable are skipped. Existing campaigns keep today's behaviour: `{}`
 * reads as the defaults. Same rules as 0001: only types both databases share.
 */
export const campaignOptions: Migration = {
  up: (db: Kysely<unknown>) =>
    atomically(db, async (trx) => {
      await trx.schema
        .alterTable('campaigns')
        .addColumn('options', 'text', (column) => column.notNull().defaultTo(sql`'{}'`))
        .execute();
    }),
  down: (db: Kysely<unknown>) => atomically(db, (trx) => trx.schema.alterTable('campaigns').dropColumn('options').execute()),
};
