import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { sessionStateSchema } from '@wasla/protocol';
import type { SessionRestriction, SessionState, SessionTransition } from '@wasla/protocol';
import { NO_FENCE } from '../../cluster/fence.js';
import type { SessionFence } from '../../cluster/fence.js';
import type { Database, DesiredState, IsoTimestamp, WaSessionsTable } from '../../storage/schema.js';

/** A WhatsApp session as stored: what it should be doing across restarts, not its live state. */
export interface WaSessionRecord {
  id: string;
  /** Whether the session should be connected after the next boot. */
  desiredState: DesiredState;
  phoneNumber: string | null;
  /** Set while WhatsApp has restricted the number. */
  restriction: SessionRestriction | null;
  createdAt: IsoTimestamp;
  updatedAt: IsoTimestamp;
}

function sessionFromRow(row: Selectable<WaSessionsTable>): WaSessionRecord {
  return {
    id: row.id,
    desiredState: row.desired_state,
    phoneNumber: row.phone_number,
    restriction:
      row.restriction_code !== null && row.restriction_since !== null
        ? { code: row.restriction_code, since: row.restriction_since, reason: row.restriction_reason ?? '' }
        : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * The `wa_sessions` table and each session's transition history. What the session's
 * runtime writes (desired state, number, restriction, transitions) goes through the
 * fence: in cluster mode only the session's owner can write it. Creating a session
 * (`ensure`) is not fenced: any instance may, and it changes nothing that exists.
 */
export class SessionsRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => Date = () => new Date(),
    private readonly fence: SessionFence = NO_FENCE,
  ) {}

  /**
   * Creates the session if it doesn't exist yet (stopped, no number) and resolves with
   * it either way. Safe to race: the insert does nothing on a conflict.
   */
  async ensure(id: string): Promise<WaSessionRecord> {
    const now = this.now().toISOString();
    await this.db
      .insertInto('wa_sessions')
      .values({
        id,
        desired_state: 'stopped',
        phone_number: null,
        created_at: now,
        updated_at: now,
        restriction_code: null,
        restriction_since: null,
        restriction_reason: null,
        state: null,
        state_epoch: null,
        state_rev: null,
      })
      .onConflict((conflict) => conflict.column('id').doNothing())
      .execute();
    const session = await this.get(id);
    if (!session) throw new Error(`wa_sessions row "${id}" vanished right after it was ensured`);
    return session;
  }

  async get(id: string): Promise<WaSessionRecord | null> {
    const row = await this.db.selectFrom('wa_sessions').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? sessionFromRow(row) : null;
  }

  /** Every session, oldest first. */
  async list(): Promise<WaSessionRecord[]> {
    const rows = await this.db.selectFrom('wa_sessions').selectAll().orderBy('created_at').orderBy('id').execute();
    return rows.map(sessionFromRow);
  }

  /** Resolves false when there is no such session. */
  async setDesiredState(id: string, desiredState: DesiredState): Promise<boolean> {
    const result = await this.fence.guard(this.db, id, (db) =>
      db.updateTable('wa_sessions').set({ desired_state: desiredState, updated_at: this.now().toISOString() }).where('id', '=', id).executeTakeFirst(),
    );
    return result.numUpdatedRows > 0n;
  }

  /** Resolves false when there is no such session. */
  async setPhoneNumber(id: string, phoneNumber: string | null): Promise<boolean> {
    const result = await this.fence.guard(this.db, id, (db) =>
      db.updateTable('wa_sessions').set({ phone_number: phoneNumber, updated_at: this.now().toISOString() }).where('id', '=', id).executeTakeFirst(),
    );
    return result.numUpdatedRows > 0n;
  }

  /** Stores the number's restriction, or its end (null). Resolves false when there is no such session. */
  async setRestriction(id: string, restriction: SessionRestriction | null): Promise<boolean> {
    const result = await this.fence.guard(this.db, id, (db) =>
      db
        .updateTable('wa_sessions')
        .set({
          restriction_code: restriction?.code ?? null,
          restriction_since: restriction?.since ?? null,
          restriction_reason: restriction?.reason ?? null,
          updated_at: this.now().toISOString(),
        })
        .where('id', '=', id)
        .executeTakeFirst(),
    );
    return result.numUpdatedRows > 0n;
  }

  /**
   * Keeps the session's newest published state. It never goes back: a state that is not
   * newer by `(epoch, rev)` than the stored one (a write that arrived late) changes
   * nothing, and resolves false.
   */
  async saveState(state: SessionState): Promise<boolean> {
    const result = await this.fence.guard(this.db, state.sessionId, (db) =>
      db
        .updateTable('wa_sessions')
        .set({ state: JSON.stringify(state), state_epoch: state.epoch, state_rev: state.rev })
        .where('id', '=', state.sessionId)
        .where((eb) =>
          eb.or([
            eb('state_epoch', 'is', null),
            eb('state_epoch', '<', state.epoch),
            eb.and([eb('state_epoch', '=', state.epoch), eb('state_rev', '<', state.rev)]),
          ]),
        )
        .executeTakeFirst(),
    );
    return result.numUpdatedRows > 0n;
  }

  /** The session's last published state, or null when it has none (or none this version can read). */
  async loadState(id: string): Promise<SessionState | null> {
    const row = await this.db.selectFrom('wa_sessions').select('state').where('id', '=', id).executeTakeFirst();
    if (!row?.state) return null;
    const parsed = sessionStateSchema.safeParse(JSON.parse(row.state));
    return parsed.success ? parsed.data : null;
  }

  async recordTransition(transition: SessionTransition): Promise<void> {
    await this.fence.guard(this.db, transition.sessionId, (db) =>
      db
        .insertInto('session_transitions')
        .values({
          id: randomUUID(),
          session_id: transition.sessionId,
          epoch: transition.epoch,
          rev: transition.rev,
          from_status: transition.from,
          to_status: transition.to,
          event: transition.event,
          error_code: transition.errorCode,
          error: transition.error,
          at: transition.at,
        })
        .execute(),
    );
  }

  /** The session's latest `limit` transitions, newest first. */
  async listTransitions(sessionId: string, limit: number): Promise<SessionTransition[]> {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
    const rows = await this.db
      .selectFrom('session_transitions')
      .selectAll()
      .where('session_id', '=', sessionId)
      // Several transitions can share a millisecond; (epoch, rev) orders them exactly.
      .orderBy('at', 'desc')
      .orderBy('epoch', 'desc')
      .orderBy('rev', 'desc')
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      sessionId: row.session_id,
      epoch: row.epoch,
      rev: row.rev,
      from: row.from_status,
      to: row.to_status,
      event: row.event,
      errorCode: row.error_code,
      error: row.error,
      at: row.at,
    }));
  }
}
