import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * Retry counts of a WhatsApp session (see `whatsapp/retries.ts`), each with an expiry;
 * an expired count reads as none. Knows nothing of Baileys.
 */
export class WaRetryRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async read(sessionId: string, key: string): Promise<number | null> {
    const row = await this.db
      .selectFrom('wa_retry_counts')
      .select('count')
      .where('session_id', '=', sessionId)
      .where('retry_key', '=', key)
      .where('expires_at', '>', this.now().toISOString())
      .executeTakeFirst();
    return row ? Number(row.count) : null;
  }

  async write(sessionId: string, key: string, count: number, expiresAt: Date): Promise<void> {
    const expires = expiresAt.toISOString();
    await this.db
      .insertInto('wa_retry_counts')
      .values({ session_id: sessionId, retry_key: key, count, expires_at: expires })
      .onConflict((conflict) => conflict.columns(['session_id', 'retry_key']).doUpdateSet({ count, expires_at: expires }))
      .execute();
  }

  async remove(sessionId: string, key: string): Promise<void> {
    await this.db.deleteFrom('wa_retry_counts').where('session_id', '=', sessionId).where('retry_key', '=', key).execute();
  }

  async clear(sessionId: string): Promise<void> {
    await this.db.deleteFrom('wa_retry_counts').where('session_id', '=', sessionId).execute();
  }

  async removeExpired(sessionId: string): Promise<void> {
    await this.db
      .deleteFrom('wa_retry_counts')
      .where('session_id', '=', sessionId)
      .where('expires_at', '<=', this.now().toISOString())
      .execute();
  }
}
