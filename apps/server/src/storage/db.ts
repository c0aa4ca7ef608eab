import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import type { SqliteDatabase } from 'kysely';
import pg from 'pg';
import type { StorageLogger } from './logger.js';
import { migrateToLatest } from './migrate.js';
import { OwnSchemaPostgresDialect } from './pg-introspector.js';
import type { Database } from './schema.js';

export type { StorageLogger } from './logger.js';

/** The open database: one Kysely instance for every repository, whichever engine it is. */
export interface Storage {
  db: Kysely<Database>;
  dialect: 'sqlite' | 'postgres';
  /** Resolves when the database answers a trivial query (for health checks). */
  ping(): Promise<void>;
  /** Closes the connections; safe to call more than once. */
  close(): Promise<void>;
}

export interface OpenStorageOptions {
  /** A postgres:// or postgresql:// URL; unset or null means SQLite in `dataDir`. */
  databaseUrl?: string | null;
  /** Holds `wasla.db` when SQLite is used; created if missing. */
  dataDir: string;
  /** PostgreSQL only: keep every table in this schema (created if missing). For tests. */
  pgSchema?: string;
  logger?: StorageLogger;
}

export const SQLITE_FILE_NAME = 'wasla.db';
const PG_POOL_SIZE = 10;
const PG_URL = /^postgres(ql)?:\/\//;
// Used unquoted in a connection option and in SQL, so keep it to a plain identifier.
const PG_SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const PG_INT8_OID = 20;

/**
 * Opens the database (PostgreSQL when `databaseUrl` is set, otherwise SQLite) and
 * brings its schema up to date before resolving.
 */
export async function openStorage(options: OpenStorageOptions): Promise<Storage> {
  const { databaseUrl, pgSchema, logger } = options;
  if (databaseUrl && !PG_URL.test(databaseUrl)) {
    throw new Error('The database URL must start with postgres:// or postgresql:// (leave it unset for SQLite).');
  }
  if (pgSchema !== undefined && !PG_SCHEMA_NAME.test(pgSchema)) {
    throw new Error(`pgSchema must be a lower-case identifier, got "${pgSchema}"`);
  }

  const storage = databaseUrl ? openPostgres(databaseUrl, pgSchema, logger) : openSqlite(options.dataDir);
  try {
    let migrationTableSchema: string | undefined;
    if (storage.dialect === 'postgres') {
      if (pgSchema) await sql`create schema if not exists ${sql.id(pgSchema)}`.execute(storage.db);
      migrationTableSchema = pgSchema ?? (await currentSchema(storage.db));
    }
    await migrateToLatest(storage.db, { ...(logger ? { logger } : {}), ...(migrationTableSchema ? { migrationTableSchema } : {}) });
  } catch (error) {
    await storage.close();
    throw error;
  }
  logger?.debug({ dialect: storage.dialect }, 'storage opened');
  return storage;
}

function openSqlite(dataDir: string): Storage {
  mkdirSync(dataDir, { recursive: true });
  const database = new SQLite(path.join(dataDir, SQLITE_FILE_NAME));
  // WAL lets readers run beside the writer; NORMAL is durable enough under WAL (a power
  // cut may lose the last commits, never corrupt); foreign keys are off by default.
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  return createStorage(new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) }), 'sqlite');
}

/** Statements kept prepared, by SQL text; Kysely's driver would prepare every query again. */
const STATEMENT_CACHE_SIZE = 256;

function withStatementCache(database: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    prepare(text: string) {
      const cached = cache.get(text);
      // A statement still being iterated (a streamed query) can't run again: take a fresh one.
      if (cached && !cached.busy) {
        cache.delete(text);
        cache.set(text, cached);
        return cached;
      }
      const statement = database.prepare(text);
      if (!cached) {
        cache.set(text, statement);
        if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      }
      return statement;
    },
    close() {
      cache.clear();
      database.close();
    },
  };
}

function openPostgres(connectionString: string, schema: string | undefined, logger: StorageLogger | undefined): Storage {
  const pool = new pg.Pool({
    connectionString,
    max: PG_POOL_SIZE,
    types: { getTypeParser: pgTypeParser },
    // Set at connection start-up, so every pooled connection sees only this schema.
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // Without a listener, an idle connection dropped by the server would crash the process.
  pool.on('error', (error) => logger?.warn({ err: error }, 'an idle PostgreSQL connection failed'));
  // pg-pool listens only to idle connections; one the server ends while it is checked out
  // and between queries (an idle-in-transaction timeout, a restart) would crash the process
  // with an unhandled 'error'. With this its transaction fails instead, and the pool drops it.
  pool.on('connect', (client) => client.on('error', (error) => logger?.warn({ err: error }, 'a PostgreSQL connection in use failed')));
  return createStorage(new Kysely<Database>({ dialect: new OwnSchemaPostgresDialect({ pool }) }), 'postgres');
}

/**
 * pg returns int8 (bigint, and every `count(*)`) as a string, since it may exceed
 * 2^53. Wasla's int8 values are counts and ms timestamps, far below that, so they come
 * back as numbers — and a value that would lose precision fails loudly instead.
 * Set per pool, not through pg's global `types`, so other pg users are unaffected.
 */
const pgTypeParser = ((oid: number, format?: 'text' | 'binary') => {
  if (oid === PG_INT8_OID && format !== 'binary') return parseInt8;
  return pg.types.getTypeParser(oid, format);
}) as typeof pg.types.getTypeParser; // pg types this as an overload set that returns any.

function parseInt8(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new RangeError(`PostgreSQL returned ${value}, which is too large for a JavaScript number`);
  return parsed;
}

async function currentSchema(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  return rows[0]?.schema ?? 'public';
}

function createStorage(db: Kysely<Database>, dialect: Storage['dialect']): Storage {
  let closing: Promise<void> | null = null;
  return {
    db,
    dialect,
    async ping() {
      await sql`select 1`.execute(db);
    },
    close() {
      closing ??= db.destroy();
      return closing;
    },
  };
}
