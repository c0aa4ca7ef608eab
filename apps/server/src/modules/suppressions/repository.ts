import type { Kysely } from 'kysely';
import type { Suppression } from '@wasla/protocol';
import { AppError } from '../../errors/app-error.js';
import { unstorableCharacter } from '../../http/storable-text.js';
import type { Database } from '../../storage/schema.js';

/** The opt-out list: numbers that never get another message from any campaign or send. */
export class SuppressionsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Adds the number; resolves false when it was already on the list (the first entry stays). */
  async add(entry: { phone: string; source: Suppression['source']; messageId: string | null; createdAt: string }): Promise<boolean> {
    const result = await this.db
      .insertInto('suppressions')
      .values({ phone: entry.phone, source: entry.source, message_id: entry.messageId, created_at: entry.createdAt })
      .onConflict((conflict) => conflict.column('phone').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async remove(phone: string): Promise<boolean> {
    const result = await this.db.deleteFrom('suppressions').where('phone', '=', phone).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async has(phone: string): Promise<boolean> {
    return (await this.db.selectFrom('suppressions').select('phone').where('phone', '=', phone).executeTakeFirst()) !== undefined;
  }

  /** Newest first; the cursor is the last phone's `created_at|phone`. */
  async list(query: { cursor?: string; limit: number }): Promise<{ items: Suppression[]; nextCursor: string | null }> {
    let select = this.db.selectFrom('suppressions').selectAll();
    if (query.cursor) {
      const position = Buffer.from(query.cursor, 'base64url').toString('utf8');
      // A NUL never came from our cursor, and would fail the query on PostgreSQL.
      if (unstorableCharacter(position)) throw new AppError('bad_request', 'The cursor is not valid; ask for the first page again.');
      const [createdAt = '', phone = ''] = position.split('|');
      select = select.where((eb) => eb(eb.refTuple('created_at', 'phone'), '<', eb.tuple(createdAt, phone)));
    }
    const rows = await select.orderBy('created_at', 'desc').orderBy('phone', 'desc').limit(query.limit + 1).execute();
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page.map((row) => ({ phone: row.phone, source: row.source, createdAt: row.created_at })),
      nextCursor: rows.length > query.limit && last ? Buffer.from(`${last.created_at}|${last.phone}`).toString('base64url') : null,
    };
  }
}
