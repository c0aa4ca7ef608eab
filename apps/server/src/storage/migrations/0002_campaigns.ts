import type { Kysely, Migration } from 'kysely';
import { atomically } from './atomically.js';

// Same rules as 0001: only types both databases share, enums as unchecked text.

async function createCampaignTables(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('campaigns')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('session_id', 'text', (column) => column.notNull())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('template', 'text', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    // CampaignLimits as JSON: read and written whole, never queried by field.
    .addColumn('limits', 'text', (column) => column.notNull())
    .addColumn('scheduled_at', 'text')
    .addColumn('pause_code', 'text')
    .addColumn('pause_reason', 'text')
    .addColumn('paused_at', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema.createIndex('campaigns_created_at_id_idx').on('campaigns').columns(['created_at', 'id']).execute();
  await db.schema.createIndex('campaigns_session_id_status_idx').on('campaigns').columns(['session_id', 'status']).execute();

  await db.schema
    .createTable('campaign_recipients')
    .addColumn('campaign_id', 'text', (column) => column.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (column) => column.notNull())
    .addColumn('phone', 'text', (column) => column.notNull())
    .addColumn('name', 'text')
    // Record<string, string> as JSON.
    .addColumn('variables', 'text', (column) => column.notNull())
    .addColumn('line', 'integer')
    // RecipientStatus, plus `sending` while a message is handed to WhatsApp (see the outbox).
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('reason', 'text')
    .addColumn('error', 'text')
    // Set once checked on WhatsApp (the outbox checks numbers in batches ahead of sending).
    .addColumn('checked', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('message_id', 'text')
    .addColumn('sent_at', 'text')
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('campaign_recipients_pkey', ['campaign_id', 'seq'])
    .execute();
  await db.schema.createIndex('campaign_recipients_status_idx').on('campaign_recipients').columns(['campaign_id', 'status', 'seq']).execute();
  await db.schema.createIndex('campaign_recipients_message_id_idx').on('campaign_recipients').column('message_id').execute();
  // Caps count the session's campaign messages sent in the last hour / day.
  await db.schema.createIndex('campaign_recipients_sent_at_idx').on('campaign_recipients').column('sent_at').execute();

  await db.schema
    .createTable('suppressions')
    .addColumn('phone', 'text', (column) => column.primaryKey())
    .addColumn('source', 'text', (column) => column.notNull())
    .addColumn('message_id', 'text')
    .addColumn('created_at', 'text', (column) => column.notNull())
    .execute();
}

/** Campaigns with their recipients, and the opt-out (suppression) list. */
export const campaigns: Migration = {
  up: (db: Kysely<unknown>) => atomically(db, createCampaignTables),
  down: (db: Kysely<unknown>) =>
    atomically(db, async (trx) => {
      for (const table of ['suppressions', 'campaign_recipients', 'campaigns']) {
        await trx.schema.dropTable(table).execute();
      }
    }),
};
