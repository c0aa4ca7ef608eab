import { sql } from 'kysely';
import type { RawBuilder } from 'kysely';
import type { Storage } from '../storage/db.js';

/**
 * Now, in milliseconds, by the database's clock. Leases and heartbeats are stamped and
 * compared with this inside their statements, so hosts whose clocks disagree still agree
 * on who owns a session. `clock_timestamp()`, not `now()`: `now()` is when the
 * transaction began, which can be long before the statement in a paused process.
 */
export function databaseNow(dialect: Storage['dialect']): RawBuilder<number> {
  return dialect === 'postgres'
    ? sql<number>`(extract(epoch from clock_timestamp()) * 1000)::int8`
    : sql<number>`cast(unixepoch('subsec') * 1000 as integer)`;
}
