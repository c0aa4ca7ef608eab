// Test support for the cluster's tests: waiting on the database's clock.
import { sql } from 'kysely';
import type { Storage } from '../storage/db.js';
import { databaseNow } from './clock.js';

/**
 * Waits for a condition only time can make true (a lease running out by the database's
 * clock), asking again every 20 ms; fails after 10 s.
 */
export async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Now by the database's clock, in ms. */
export async function databaseMs(storage: Pick<Storage, 'db' | 'dialect'>): Promise<number> {
  const { rows } = await sql<{ now: number }>`select ${databaseNow(storage.dialect)} as now`.execute(storage.db);
  return Number(rows[0]?.now);
}
