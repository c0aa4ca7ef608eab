import type { Kysely, Selectable } from 'kysely';
import { MESSAGE_STATUSES, MESSAGE_STATUS_RANK } from '@wasla/protocol';
import type { Message, MessageStatus } from '@wasla/protocol';
import { AppError } from '../../errors/app-error.js';
import { unstorableCharacter } from '../../http/storable-text.js';
import { rejectDuplicates } from '../../storage/errors.js';
import type { Database, IsoTimestamp, MessagesTable } from '../../storage/schema.js';

/** A message to store: the API's `Message`, whole. */
export type NewMessage = Message;

export interface MessageStatusChange {
  status: MessageStatus;
  error: string | null;
  errorCode: string | null;
  updatedAt: IsoTimestamp;
}

export interface MessagePage {
  items: Message[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export const MAX_PAGE_SIZE = 100;
const DEFAULT_PAGE_SIZE = 50;

export function messageFromRow(row: Selectable<MessagesTable>): Message {
  return {
    id: row.id,
    sessionId: row.session_id,
    direction: row.direction,
    peer: row.peer,
    text: row.text,
    status: row.status,
    error: row.error,
    errorCode: row.error_code,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The position after a row: opaque to clients so its shape can change. */
function encodeCursor(row: { created_at: string; id: string }): string {
  return Buffer.from(JSON.stringify([row.created_at, row.id])).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    // Text PostgreSQL can't store never came from encodeCursor, and would fail the query there.
    if (Array.isArray(decoded) && decoded.length === 2 && typeof decoded[0] === 'string' && typeof decoded[1] === 'string' && !unstorableCharacter(decoded.join(''))) {
      return { createdAt: decoded[0], id: decoded[1] };
    }
  } catch {
    // Falls through to the same answer as a well-formed but wrong cursor.
  }
  throw new AppError('bad_request', 'The cursor is not valid; ask for the first page again.');
}

/** Statuses a message may move on from to reach `status`: those of lower rank. */
function statusesBelow(status: MessageStatus): MessageStatus[] {
  return MESSAGE_STATUSES.filter((candidate) => MESSAGE_STATUS_RANK[candidate] < MESSAGE_STATUS_RANK[status]);
}

/** Sent and received messages with their delivery status. */
export class MessagesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Stores a message; throws `DuplicateError` when its id is already stored. */
  async insert(message: NewMessage): Promise<Message> {
    const row: Selectable<MessagesTable> = {
      id: message.id,
      session_id: message.sessionId,
      direction: message.direction,
      peer: message.peer,
      peer_lid: null,
      text: message.text,
      status: message.status,
      error: message.error,
      error_code: message.errorCode,
      created_at: message.createdAt,
      updated_at: message.updatedAt,
    };
    await rejectDuplicates(() => this.db.insertInto('messages').values(row).execute(), 'A message with this id already exists.');
    return messageFromRow(row);
  }

  async get(id: string): Promise<Message | null> {
    const row = await this.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? messageFromRow(row) : null;
  }

  /**
   * The text of a message the session sent, for WhatsApp to send again when a
   * recipient's device asks; null for an unknown id, a received message, or one that
   * failed (WhatsApp never had it).
   */
  async sentText(sessionId: string, id: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('messages')
      .select('text')
      .where('id', '=', id)
      .where('session_id', '=', sessionId)
      .where('direction', '=', 'out')
      .where('status', '!=', 'failed')
      .executeTakeFirst();
    return row?.text ?? null;
  }

  /**
   * Sets a message's status and resolves with the message, or null when nothing
   * changed. With `onlyIfRankHigher` (the default) the change applies only when it
   * moves the status forward (see `MESSAGE_STATUS_RANK`), so late or repeated receipts
   * can't undo a newer one. The check is part of the UPDATE, so racing updates can't
   * both win. Only messages we sent have a status to follow: an incoming message with
   * the same id (another linked number of this Wasla wrote it) is left alone.
   */
  async updateStatus(id: string, change: MessageStatusChange, onlyIfRankHigher = true): Promise<Message | null> {
    let query = this.db
      .updateTable('messages')
      .set({ status: change.status, error: change.error, error_code: change.errorCode, updated_at: change.updatedAt })
      .where('id', '=', id)
      .where('direction', '=', 'out');
    if (onlyIfRankHigher) {
      const below = statusesBelow(change.status);
      if (below.length === 0) return null;
      query = query.where('status', 'in', below);
    }
    const row = await query.returningAll().executeTakeFirst();
    return row ? messageFromRow(row) : null;
  }

  /**
   * Outgoing messages still `pending` from before `before` (a previous run that stopped
   * mid-send) become `unknown`: WhatsApp may or may not have them, and they are never
   * resent. Only those of `sessionIds` when given (the sessions an instance just took).
   * Resolves with how many.
   */
  async markInterrupted(before: IsoTimestamp, error: string, sessionIds?: readonly string[]): Promise<number> {
    if (sessionIds?.length === 0) return 0;
    let query = this.db
      .updateTable('messages')
      .set({ status: 'unknown', error, error_code: 'interrupted', updated_at: before })
      .where('direction', '=', 'out')
      .where('status', '=', 'pending')
      .where('created_at', '<', before);
    if (sessionIds) query = query.where('session_id', 'in', sessionIds);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /**
   * Outgoing messages created in [from, to), counted by ten-minute slot (the first 15
   * characters of the ISO timestamp, on which every time zone's day boundary falls), status
   * and error code: what a range report groups into local days.
   */
  async outgoingBySlot(range: { from: IsoTimestamp; to: IsoTimestamp; sessionId?: string }): Promise<{ slot: string; status: MessageStatus; errorCode: string | null; n: number }[]> {
    let select = this.db
      .selectFrom('messages')
      .select((eb) => [eb.fn<string>('substr', ['created_at', eb.val(1), eb.val(15)]).as('slot'), 'status', 'error_code', eb.fn.countAll<number | string>().as('n')])
      .where('direction', '=', 'out')
      .where('created_at', '>=', range.from)
      .where('created_at', '<', range.to);
    if (range.sessionId) select = select.where('session_id', '=', range.sessionId);
    const rows = await select.groupBy(['slot', 'status', 'error_code']).execute();
    return rows.map((row) => ({ slot: row.slot, status: row.status, errorCode: row.error_code, n: Number(row.n) }));
  }

  /** Messages newest first, `limit` (1–100) per page, optionally for one session. */
  async list(query: { sessionId?: string; cursor?: string; limit?: number } = {}): Promise<MessagePage> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
      throw new RangeError(`limit must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${limit}`);
    }
    let select = this.db.selectFrom('messages').selectAll();
    if (query.sessionId !== undefined) select = select.where('session_id', '=', query.sessionId);
    if (query.cursor !== undefined) {
      const after = decodeCursor(query.cursor);
      // (created_at, id) is unique, so rows sharing a created_at are neither skipped nor repeated.
      select = select.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after.createdAt, after.id)));
    }
    // One extra row tells whether another page follows, without a count.
    const rows = await select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { items: page.map(messageFromRow), nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
  }
}
