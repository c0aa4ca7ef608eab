import type { Kysely } from 'kysely';
import type { Message } from '@wasla/protocol';
import type { Database, IsoTimestamp } from '../../storage/schema.js';
import { isOptOutReply } from '../suppressions/opt-out.js';
import { SuppressionsRepository } from '../suppressions/repository.js';
import { messageFromRow } from './repository.js';

/** An incoming message ready to store: its text already storable, its sender as known. */
export interface ReceivedMessage {
  sessionId: string;
  id: string;
  /** E.164, or the LID while its number is unknown. */
  peer: string;
  peerLid: string | null;
  text: string;
  at: IsoTimestamp;
}

/** What learning a LID's number changed. */
export interface Identified {
  /** Messages moved from the LID to the number. */
  messages: number;
  /** Whether one of them opted the number out. */
  optedOut: boolean;
}

const MAX_UNRESOLVED = 500;

export function isLid(peer: string): boolean {
  return peer.endsWith('@lid');
}

/**
 * Incoming messages and the LIDs they came from. Each write is one transaction, so a
 * message is never stored without the opt-out it carries, and a mapping never moves
 * half of a LID's messages.
 */
export class InboundStore {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Stores a message once per (session, id): resolves with it, or null when that id was
   * already stored (WhatsApp delivers again after a reconnect or a retry). An opt-out
   * reply from a number puts it on the suppression list in the same transaction; a LID
   * whose number is unknown is remembered, to be resolved later.
   */
  async record(message: ReceivedMessage): Promise<Message | null> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('messages')
        .values({
          id: message.id,
          session_id: message.sessionId,
          direction: 'in',
          peer: message.peer,
          peer_lid: message.peerLid,
          text: message.text,
          status: 'delivered',
          error: null,
          error_code: null,
          created_at: message.at,
          updated_at: message.at,
        })
        .onConflict((conflict) => conflict.columns(['session_id', 'id']).doNothing())
        .returningAll()
        .executeTakeFirst();
      if (!row) return null;
      if (isLid(message.peer)) {
        await trx
          .insertInto('lid_mappings')
          .values({ session_id: message.sessionId, lid: message.peer, phone: null, updated_at: message.at })
          .onConflict((conflict) => conflict.columns(['session_id', 'lid']).doNothing())
          .execute();
      } else if (isOptOutReply(message.text)) {
        await new SuppressionsRepository(trx).add({ phone: message.peer, source: 'reply', messageId: message.id, createdAt: message.at });
      }
      return messageFromRow(row);
    });
  }

  async phoneForLid(sessionId: string, lid: string): Promise<string | null> {
    const row = await this.db.selectFrom('lid_mappings').select('phone').where('session_id', '=', sessionId).where('lid', '=', lid).executeTakeFirst();
    return row?.phone ?? null;
  }

  /** LIDs of the session that sent messages and whose number is still unknown. */
  async unresolvedLids(sessionId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('lid_mappings').select('lid').where('session_id', '=', sessionId).where('phone', 'is', null).limit(MAX_UNRESOLVED).execute();
    return rows.map((row) => row.lid);
  }

  /**
   * Records that `lid` is `phone`, moves the session's messages from the LID to the
   * number and applies an opt-out one of them carried. Resolves null when this was
   * already known.
   */
  async identify(sessionId: string, lid: string, phone: string, at: IsoTimestamp): Promise<Identified | null> {
    return this.db.transaction().execute(async (trx) => {
      const known = await trx.selectFrom('lid_mappings').select('phone').where('session_id', '=', sessionId).where('lid', '=', lid).executeTakeFirst();
      if (known?.phone === phone) return null;
      await trx
        .insertInto('lid_mappings')
        .values({ session_id: sessionId, lid, phone, updated_at: at })
        .onConflict((conflict) => conflict.columns(['session_id', 'lid']).doUpdateSet({ phone, updated_at: at }))
        .execute();
      const moved = await trx
        .updateTable('messages')
        .set({ peer: phone })
        .where('session_id', '=', sessionId)
        .where('peer', '=', lid)
        .returning(['id', 'text', 'direction', 'created_at'])
        .execute();
      const optOut = moved
        .filter((message) => message.direction === 'in' && isOptOutReply(message.text))
        .sort((a, b) => a.created_at.localeCompare(b.created_at))[0];
      const optedOut = optOut ? await new SuppressionsRepository(trx).add({ phone, source: 'reply', messageId: optOut.id, createdAt: at }) : false;
      return { messages: moved.length, optedOut };
    });
  }
}
