import type { Kysely } from 'kysely';
import { NO_FENCE } from '../cluster/fence.js';
import type { SessionFence } from '../cluster/fence.js';
import { chunk } from './batch.js';
import type { Database } from './schema.js';

/** One Signal key to store (`value` is JSON) or, with `value: null`, to delete. */
export interface WaKeyWrite {
  type: string;
  id: string;
  value: string | null;
}

/**
 * The raw persistence behind a WhatsApp session's login: Baileys' credentials and its
 * Signal keys, as JSON strings scoped by session id. Knows nothing of Baileys; the
 * adapter in `whatsapp/auth-state.ts` does the (de)serialising. Every write goes through
 * the fence: in cluster mode only the session's owner can change its login.
 */
export class WaAuthRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => Date = () => new Date(),
    private readonly fence: SessionFence = NO_FENCE,
  ) {}

  async readCreds(sessionId: string): Promise<string | null> {
    const row = await this.db.selectFrom('wa_creds').select('creds').where('session_id', '=', sessionId).executeTakeFirst();
    return row?.creds ?? null;
  }

  /** Stores the credentials, replacing any before. The session must exist in `wa_sessions`. */
  async writeCreds(sessionId: string, json: string): Promise<void> {
    const updatedAt = this.now().toISOString();
    await this.fence.guard(this.db, sessionId, (db) =>
      db
        .insertInto('wa_creds')
        .values({ session_id: sessionId, creds: json, updated_at: updatedAt })
        .onConflict((conflict) => conflict.column('session_id').doUpdateSet({ creds: json, updated_at: updatedAt }))
        .execute(),
    );
  }

  async hasCreds(sessionId: string): Promise<boolean> {
    const row = await this.db.selectFrom('wa_creds').select('session_id').where('session_id', '=', sessionId).executeTakeFirst();
    return row !== undefined;
  }

  /** The stored keys of one type among `ids`, by id; ids with no key are absent. */
  async readKeys(sessionId: string, type: string, ids: string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const slice of chunk([...new Set(ids)])) {
      const rows = await this.db
        .selectFrom('wa_keys')
        .select(['key_id', 'value'])
        .where('session_id', '=', sessionId)
        .where('type', '=', type)
        .where('key_id', 'in', slice)
        .execute();
      for (const row of rows) found.set(row.key_id, row.value);
    }
    return found;
  }

  /**
   * Applies a batch of key changes in one transaction, so a crash never leaves half of
   * a Signal session's keys written. When the batch names a key twice, the last wins.
   */
  async writeKeys(sessionId: string, entries: WaKeyWrite[]): Promise<void> {
    const { upserts, deletes } = planKeyWrites(entries);
    if (upserts.length === 0 && deletes.size === 0) return;
    await this.db.transaction().execute((trx) => this.fence.guard(trx, sessionId, async (trx) => {
      for (const [type, ids] of deletes) {
        for (const slice of chunk(ids)) {
          await trx.deleteFrom('wa_keys').where('session_id', '=', sessionId).where('type', '=', type).where('key_id', 'in', slice).execute();
        }
      }
      for (const slice of chunk(upserts)) {
        await trx
          .insertInto('wa_keys')
          .values(slice.map((entry) => ({ session_id: sessionId, type: entry.type, key_id: entry.id, value: entry.value })))
          .onConflict((conflict) =>
            conflict.columns(['session_id', 'type', 'key_id']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })),
          )
          .execute();
      }
    }));
  }

  /** Forgets the session's login: credentials and every key, together. */
  async wipe(sessionId: string): Promise<void> {
    await this.db.transaction().execute((trx) => this.fence.guard(trx, sessionId, async (trx) => {
      await trx.deleteFrom('wa_keys').where('session_id', '=', sessionId).execute();
      await trx.deleteFrom('wa_creds').where('session_id', '=', sessionId).execute();
    }));
  }
}

/**
 * Splits a batch into upserts and deletes (by type), keeping only the last change per
 * key: PostgreSQL rejects an insert that upserts the same row twice.
 */
function planKeyWrites(entries: WaKeyWrite[]): { upserts: { type: string; id: string; value: string }[]; deletes: Map<string, string[]> } {
  const last = new Map<string, WaKeyWrite>();
  // JSON of the pair is an unambiguous key whatever characters the type and id hold.
  for (const entry of entries) last.set(JSON.stringify([entry.type, entry.id]), entry);
  const upserts: { type: string; id: string; value: string }[] = [];
  const deletes = new Map<string, string[]>();
  for (const { type, id, value } of last.values()) {
    if (value !== null) {
      upserts.push({ type, id, value });
      continue;
    }
    const ids = deletes.get(type);
    if (ids) ids.push(id);
    else deletes.set(type, [id]);
  }
  return { upserts, deletes };
}
