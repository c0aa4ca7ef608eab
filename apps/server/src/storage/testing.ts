// Test support: runs a suite once on SQLite and once on PostgreSQL. Imported only by
// *.test.ts files, which is why it may read the environment (config/ is for the app).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe } from 'node:test';
import pg from 'pg';
import { openStorage } from './db.js';
import type { Storage } from './db.js';

/** The database one copy of a suite runs against. */
export interface TestDatabase {
  readonly dialect: Storage['dialect'];
  /** Open from the suite's `before` hook on; read it inside tests and hooks only. */
  readonly storage: Storage;
  /** PostgreSQL: the suite's own schema, where Kysely's bookkeeping lives too. */
  readonly pgSchema: string | undefined;
  /** Opens the same database again (running migrations again); the caller closes it. */
  reopen(): Promise<Storage>;
}

interface Target {
  dialect: Storage['dialect'];
  skip: string | undefined;
  /** Creates an empty database; resolves with how to open it and how to remove it. */
  create(): Promise<{ open(): Promise<Storage>; pgSchema: string | undefined; dispose(): Promise<void> }>;
}

export const TEST_DATABASE_URL = process.env['WASLA_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const IN_CI = Boolean(process.env['CI']);

/** The URL without its password, for messages. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an unparsable URL)';
  }
}

/** Null when PostgreSQL answers; otherwise why not. */
async function probePostgres(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (error) {
    return error instanceof Error ? error.message || error.name : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

// Awaited once per test file, before any suite is declared: `describe` needs to know
// whether to skip synchronously.
const unreachable = await probePostgres(TEST_DATABASE_URL);
const unreachableMessage = unreachable === null ? null : `PostgreSQL not reachable at ${redact(TEST_DATABASE_URL)} (${unreachable})`;

const sqliteTarget: Target = {
  dialect: 'sqlite',
  skip: undefined,
  async create() {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'wasla-test-'));
    return {
      open: () => openStorage({ dataDir }),
      pgSchema: undefined,
      dispose: () => rm(dataDir, { recursive: true, force: true }),
    };
  },
};

const postgresTarget: Target = {
  dialect: 'postgres',
  // In CI a missing database is a broken pipeline, not a reason to skip.
  skip: unreachableMessage !== null && !IN_CI ? unreachableMessage : undefined,
  async create() {
    if (unreachableMessage !== null) throw new Error(`${unreachableMessage}; CI is set, so the PostgreSQL tests fail instead of skipping.`);
    const pgSchema = `wasla_test_${randomBytes(6).toString('hex')}`;
    return {
      open: () => openStorage({ databaseUrl: TEST_DATABASE_URL, dataDir: os.tmpdir(), pgSchema }),
      pgSchema,
      async dispose() {
        const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await client.connect();
        try {
          await client.query(`drop schema if exists "${pgSchema}" cascade`);
        } finally {
          await client.end();
        }
      },
    };
  },
};

/**
 * Declares `name` twice — on a fresh SQLite file and on a fresh PostgreSQL schema —
 * and passes `suite` the database to use. The PostgreSQL copy is skipped with a clear
 * message when the server is unreachable, unless `CI` is set.
 */
export function forEachDatabase(name: string, suite: (database: TestDatabase) => void): void {
  for (const target of [sqliteTarget, postgresTarget]) {
    describe(`${name} [${target.dialect}]`, target.skip ? { skip: target.skip } : {}, () => {
      let location: Awaited<ReturnType<Target['create']>> | undefined;
      let storage: Storage | undefined;

      before(async () => {
        location = await target.create();
        storage = await location.open();
      });
      after(async () => {
        await storage?.close();
        await location?.dispose();
      });

      suite({
        dialect: target.dialect,
        get storage() {
          if (!storage) throw new Error('The test database is opened in `before`; use it inside tests and hooks.');
          return storage;
        },
        get pgSchema() {
          return location?.pgSchema;
        },
        reopen() {
          if (!location) throw new Error('The test database is not created yet.');
          return location.open();
        },
      });
    });
  }
}
