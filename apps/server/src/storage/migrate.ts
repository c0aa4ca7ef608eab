import { Migrator } from 'kysely';
import type { Kysely, MigrationResultSet } from 'kysely';
import type { StorageLogger } from './logger.js';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';

/** A migration (or the migrator itself) failed; `cause` holds the database's error. */
export class MigrationError extends Error {
  constructor(
    message: string,
    readonly migrationName: string | null,
    options: { cause: unknown },
  ) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

export interface MigrateOptions {
  logger?: StorageLogger;
  /**
   * Where Kysely keeps its bookkeeping tables on PostgreSQL. Needed whenever several
   * schemas share a database: without it Kysely finds another schema's
   * `kysely_migration` and believes this one was already set up.
   */
  migrationTableSchema?: string;
}

/** Applies every pending migration; resolves with the names applied (none when up to date). */
export async function migrateToLatest(db: Kysely<Database>, options: MigrateOptions = {}): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve({ ...migrations }) },
    ...(options.migrationTableSchema ? { migrationTableSchema: options.migrationTableSchema } : {}),
  });
  const { error, results = [] }: MigrationResultSet = await migrator.migrateToLatest();
  const applied = results.filter((result) => result.status === 'Success').map((result) => result.migrationName);
  for (const name of applied) options.logger?.info({ migration: name }, 'applied database migration');
  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error')?.migrationName ?? null;
    const reason = error instanceof Error ? error.message : String(error);
    const message = failed
      ? `Database migration "${failed}" failed: ${reason}`
      : `Could not run the database migrations: ${reason}`;
    throw new MigrationError(message, failed, { cause: error });
  }
  return applied;
}
