import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { AppError } from '../errors/app-error.js';
import type { Storage } from '../storage/db.js';
import type { Database } from '../storage/schema.js';
import { databaseNow } from './clock.js';

/**
 * What a repository asks before it writes something a session's owner alone may write
 * (credentials, Signal keys, the session's state, a campaign claim). Repositories take
 * one in their constructor; without cluster mode it is `NO_FENCE`.
 */
export interface SessionFence {
  /**
   * Runs `write`, which must write through the `db` it is given, so that it commits only
   * while this instance holds `sessionId`'s lease; otherwise nothing of it is written and
   * the promise rejects with `LeaseLostError`. When `db` is already a transaction the
   * check joins it (so call this before the transaction's first write); otherwise the
   * fence opens one around the check and `write`.
   */
  guard<T>(db: Kysely<Database>, sessionId: string, write: (db: Kysely<Database>) => Promise<T>): Promise<T>;
}

/** One process owns every session: writes go straight through, exactly as without a fence. */
export const NO_FENCE: SessionFence = Object.freeze({
  guard: <T>(db: Kysely<Database>, _sessionId: string, write: (db: Kysely<Database>) => Promise<T>) => write(db),
});

/**
 * This instance no longer holds the session's lease (another instance took it over, or
 * it lapsed), so its write was refused. Not retried here: the caller steps down. If it
 * reaches the API it is a 503, since the request can succeed on the session's new owner.
 */
export class LeaseLostError extends AppError {
  constructor(readonly sessionId: string) {
    super('unavailable', 'This server no longer runs that WhatsApp session. Try again in a moment.');
    this.name = 'LeaseLostError';
  }
}

export interface LeaseFenceOptions {
  /** This instance. */
  instanceId: string;
  /** `LEASE_TTL_MS`: bounds how long a paused writer can hold up a takeover (below). */
  ttlMs: number;
  /** The token of this instance's lease on the session, or null when it holds none. */
  tokenOf(sessionId: string): number | null;
}

/**
 * The fence of cluster mode: the first statement of the write's transaction reads the
 * session's lease row and requires this instance's current token, unexpired by the
 * database's clock. On PostgreSQL it locks the row FOR SHARE until commit: a takeover
 * (an UPDATE of that row) committed before the check makes the check fail, and one that
 * comes after waits for the write to commit — so a write is never interleaved with a
 * change of owner. SQLite runs one writer at a time, so the check alone does the same.
 *
 * A writer paused inside its transaction (SIGSTOP, a long GC) would hold that lock and
 * stall the takeover, so the transaction's idle-in-transaction limit is set to half the
 * TTL: PostgreSQL then ends the paused connection, its write is lost with it, and the
 * takeover goes on.
 */
export class LeaseFence implements SessionFence {
  constructor(
    private readonly storage: Pick<Storage, 'dialect'>,
    private readonly options: LeaseFenceOptions,
  ) {}

  guard<T>(db: Kysely<Database>, sessionId: string, write: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    if (db.isTransaction) return this.check(db, sessionId).then(() => write(db));
    return db.transaction().execute(async (trx) => {
      await this.check(trx, sessionId);
      return write(trx);
    });
  }

  private async check(trx: Kysely<Database>, sessionId: string): Promise<void> {
    const token = this.options.tokenOf(sessionId);
    if (token === null) throw new LeaseLostError(sessionId);
    const query = trx
      .selectFrom('session_leases')
      .select('token')
      .where('session_id', '=', sessionId)
      .where('owner_instance', '=', this.options.instanceId)
      .where('token', '=', token)
      .where('expires_at', '>', databaseNow(this.storage.dialect));
    const idleLimitMs = String(Math.ceil(this.options.ttlMs / 2));
    const row = await (this.storage.dialect === 'postgres'
      ? query.select(sql<string>`set_config('idle_in_transaction_session_timeout', ${idleLimitMs}, true)`.as('idle_limit')).forShare()
      : query
    ).executeTakeFirst();
    if (!row) throw new LeaseLostError(sessionId);
  }
}
