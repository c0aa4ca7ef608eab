import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import type { RawBuilder, Selectable } from 'kysely';
import type { Storage } from '../storage/db.js';
import type { SessionLeasesTable } from '../storage/schema.js';
import { databaseNow } from './clock.js';

/**
 * Who owns a WhatsApp session in cluster mode. Exactly one instance at a time holds a
 * session's lease; it must renew it before `expiresAt` or another instance may take it.
 */
export interface Lease {
  readonly sessionId: string;
  /** The owning instance's id. */
  readonly owner: string;
  /**
   * The fencing token: larger at every change of owner, never reused. The database
   * refuses a session write carrying an older one (`fence.ts`). It is also the owner's
   * epoch of the session's states, so it is at least the database's time in ms: later than
   * any epoch a single process (whose epoch is its start time) published before.
   */
  readonly token: number;
  /** By the database's clock, in ms; the lease is free from then on. */
  readonly expiresAt: number;
}

/** A session's lease row as it stands, whether anyone holds it now or not. */
export interface LeaseRecord extends Lease {
  /** Unexpired by the database's clock: `owner` holds it now. Otherwise `owner` is who held it last. */
  readonly held: boolean;
}

/** A lease this instance was just granted or renewed. */
export interface HeldLease extends Lease {
  /**
   * The moment (in `performance.now()` terms) until which this instance certainly still
   * holds the lease: the TTL counted from before the request was sent, so never later than
   * the database's own expiry, whatever the clocks say. Monotonic, so a clock step can't
   * stretch it. Past it, an owner that could not renew stops acting as the owner.
   */
  readonly localDeadline: number;
}

export interface LeaseRepositoryOptions {
  /** This instance: the owner its leases are taken for. */
  instanceId: string;
  /** How long a lease lasts after it is granted or renewed (`LEASE_TTL_MS`). */
  ttlMs: number;
  /** A monotonic clock in ms (tests replace it). */
  monotonicNow?: () => number;
}

/** The token of a new owner: one more than the last, and never less than now in ms (see `Lease.token`). */
function nextToken(dialect: Pick<Storage, 'dialect'>['dialect'], current: RawBuilder<unknown>, now: RawBuilder<number>): RawBuilder<number> {
  return dialect === 'postgres' ? sql<number>`greatest(${current} + 1, ${now})` : sql<number>`max(${current} + 1, ${now})`;
}

function leaseFromRow(row: Selectable<SessionLeasesTable>): Lease {
  return { sessionId: row.session_id, owner: row.owner_instance, token: row.token, expiresAt: row.expires_at };
}

/**
 * The `session_leases` table, as one instance uses it. Every decision is one statement
 * that compares with the database's clock, so two instances racing for a session (from
 * separate connections or hosts) leave exactly one owner.
 */
export class LeaseRepository {
  private readonly instanceId: string;
  private readonly ttlMs: number;
  private readonly monotonicNow: () => number;

  constructor(
    private readonly storage: Pick<Storage, 'db' | 'dialect'>,
    options: LeaseRepositoryOptions,
  ) {
    if (!Number.isInteger(options.ttlMs) || options.ttlMs < 1) throw new RangeError(`ttlMs must be a positive integer, got ${options.ttlMs}`);
    this.instanceId = options.instanceId;
    this.ttlMs = options.ttlMs;
    this.monotonicNow = options.monotonicNow ?? (() => performance.now());
  }

  /**
   * Takes the session's lease if nobody holds it (never taken, released, or expired),
   * with a new token. Resolves null while another instance — or this one — holds it:
   * an owner renews; acquiring again would fence out its own writes in flight.
   */
  async acquire(sessionId: string): Promise<HeldLease | null> {
    return (await this.acquireAll([sessionId]))[0] ?? null;
  }

  /**
   * Takes, as `acquire` does each, those of the sessions' leases nobody holds, in one
   * statement; resolves with the leases taken. The rows are locked in the order of their
   * ids, so two instances taking overlapping sets can't deadlock.
   */
  async acquireAll(sessionIds: readonly string[]): Promise<HeldLease[]> {
    if (sessionIds.length === 0) return [];
    const sent = this.monotonicNow();
    const now = databaseNow(this.storage.dialect);
    const expiresAt = sql<number>`${now} + ${this.ttlMs}`;
    const rows = await this.storage.db
      .insertInto('session_leases')
      .values([...new Set(sessionIds)].sort().map((sessionId) => ({ session_id: sessionId, owner_instance: this.instanceId, token: now, expires_at: expiresAt })))
      .onConflict((conflict) =>
        conflict
          .column('session_id')
          .doUpdateSet({ owner_instance: this.instanceId, token: nextToken(this.storage.dialect, sql.ref('session_leases.token'), now), expires_at: expiresAt })
          .where('session_leases.expires_at', '<=', now),
      )
      .returningAll()
      .execute();
    return rows.map((row) => this.held(row, sent));
  }

  /**
   * Extends the lease by the TTL from now. Only its holder, with the current token,
   * can: resolves null when the lease was lost (taken over, or handed on). A lease that
   * expired but was not taken is renewed — its token says nobody held it in between.
   */
  async renew(lease: Lease): Promise<HeldLease | null> {
    return (await this.renewAll([lease]))[0] ?? null;
  }

  /**
   * Renews several leases in one statement, as `renew` does each: an instance renews all
   * of its leases every few seconds, and one statement per lease would hold a connection
   * per session. Resolves with the renewed ones; a lease missing from them was lost.
   */
  async renewAll(leases: readonly Lease[]): Promise<HeldLease[]> {
    if (leases.length === 0) return [];
    const sent = this.monotonicNow();
    const now = databaseNow(this.storage.dialect);
    const rows = await this.storage.db
      .updateTable('session_leases')
      .set({ expires_at: sql<number>`${now} + ${this.ttlMs}` })
      .where('owner_instance', '=', this.instanceId)
      .where((eb) => eb.or(leases.map((lease) => eb.and([eb('session_id', '=', lease.sessionId), eb('token', '=', lease.token)]))))
      .returningAll()
      .execute();
    return rows.map((row) => this.held(row, sent));
  }

  /**
   * Gives the lease up at once (it expires now), so another instance can take the
   * session without waiting for the TTL. Resolves false when it was not ours any more.
   */
  async release(lease: Lease): Promise<boolean> {
    const result = await this.storage.db
      .updateTable('session_leases')
      .set({ expires_at: databaseNow(this.storage.dialect) })
      .where('session_id', '=', lease.sessionId)
      .where('owner_instance', '=', this.instanceId)
      .where('token', '=', lease.token)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /**
   * Hands the lease to a named instance, for a graceful leave: no gap in which nobody
   * owns the session and no race for it. The new owner gets a new token and a full TTL
   * to start renewing. Resolves with its lease, or null when this lease was lost or the
   * target is not a live instance (registered, heartbeat within the TTL, not leaving).
   */
  async handOver(lease: Lease, toInstance: string): Promise<Lease | null> {
    if (toInstance === this.instanceId) throw new RangeError('A lease is handed over to another instance, not to its holder');
    const now = databaseNow(this.storage.dialect);
    const row = await this.storage.db
      .updateTable('session_leases')
      .set({ owner_instance: toInstance, token: nextToken(this.storage.dialect, sql.ref('token'), now), expires_at: sql<number>`${now} + ${this.ttlMs}` })
      .where('session_id', '=', lease.sessionId)
      .where('owner_instance', '=', this.instanceId)
      .where('token', '=', lease.token)
      .where(({ exists, selectFrom }) =>
        exists(
          selectFrom('instances')
            .select('id')
            .where('id', '=', toInstance)
            .where('leaving', '=', 0)
            .where('heartbeat_at', '>', sql<number>`${now} - ${this.ttlMs}`),
        ),
      )
      .returningAll()
      .executeTakeFirst();
    return row ? leaseFromRow(row) : null;
  }

  /** The session's current owner, or null when nobody holds its lease. */
  async owner(sessionId: string): Promise<Lease | null> {
    const row = await this.storage.db
      .selectFrom('session_leases')
      .selectAll()
      .where('session_id', '=', sessionId)
      .where('expires_at', '>', databaseNow(this.storage.dialect))
      .executeTakeFirst();
    return row ? leaseFromRow(row) : null;
  }

  /** Every lease held now, by session id. */
  async list(): Promise<Lease[]> {
    const rows = await this.storage.db
      .selectFrom('session_leases')
      .selectAll()
      .where('expires_at', '>', databaseNow(this.storage.dialect))
      .orderBy('session_id')
      .execute();
    return rows.map(leaseFromRow);
  }

  /**
   * Every session's lease row, held now or not, by session id: who held an expired or
   * released lease last is what tells a failover from a session nobody was running.
   */
  async records(): Promise<LeaseRecord[]> {
    const rows = await this.storage.db
      .selectFrom('session_leases')
      .selectAll()
      .select(databaseNow(this.storage.dialect).as('now'))
      .orderBy('session_id')
      .execute();
    return rows.map((row) => ({ ...leaseFromRow(row), held: row.expires_at > Number(row.now) }));
  }

  private held(row: Selectable<SessionLeasesTable>, sent: number): HeldLease {
    return { ...leaseFromRow(row), localDeadline: sent + this.ttlMs };
  }
}
