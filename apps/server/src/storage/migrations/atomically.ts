import type { Kysely } from 'kysely';

/**
 * Runs a migration step in a transaction. Kysely's Migrator already wraps each
 * migration in one on PostgreSQL, but not on SQLite (it assumes no transactional DDL,
 * although SQLite has it) — without this a failed migration would leave half its
 * tables behind and could never be re-run.
 */
export async function atomically(db: Kysely<unknown>, step: (trx: Kysely<unknown>) => Promise<void>): Promise<void> {
  if (db.isTransaction) return step(db);
  await db.transaction().execute(step);
}
