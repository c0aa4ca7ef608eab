import type { Kysely } from 'kysely';
import { RECIPIENT_STATUSES } from '@wasla/protocol';
import type { RecipientStatus } from '@wasla/protocol';
import { NO_FENCE } from '../../cluster/fence.js';
import type { SessionFence } from '../../cluster/fence.js';
import type { Database, IsoTimestamp, StoredRecipientStatus } from '../../storage/schema.js';

/** A recipient as the outbox needs it. */
export interface OutboxRecipient {
  campaignId: string;
  seq: number;
  phone: string;
  name: string | null;
  variables: Record<string, string>;
  checked: boolean;
}

/**
 * Progress rank of a recipient status: an update applies only when it raises the rank,
 * so a late "sent" can't undo "delivered". Skipped is final from the start.
 */
const RANK: Record<StoredRecipientStatus, number> = { pending: 0, sending: 0, unknown: 0, sent: 1, delivered: 2, read: 3, failed: 4, skipped: 5 };
function statusesBelow(status: StoredRecipientStatus): StoredRecipientStatus[] {
  return (Object.keys(RANK) as StoredRecipientStatus[]).filter((candidate) => RANK[candidate] < RANK[status]);
}

/**
 * What the outbox reads and writes as it sends: the next recipients, claims, statuses
 * from receipts, recovery after a crash, and the session's recent sends for the caps.
 */
export class OutboxStore {
  constructor(
    readonly db: Kysely<Database>,
    private readonly fence: SessionFence = NO_FENCE,
  ) {}

  /** The next recipients the outbox will send to, in order. */
  async nextPending(campaignId: string, limit: number): Promise<OutboxRecipient[]> {
    const rows = await this.db
      .selectFrom('campaign_recipients')
      .select(['campaign_id', 'seq', 'phone', 'name', 'variables', 'checked'])
      .where('campaign_id', '=', campaignId)
      .where('status', '=', 'pending')
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      campaignId: row.campaign_id,
      seq: row.seq,
      phone: row.phone,
      name: row.name,
      variables: JSON.parse(row.variables) as Record<string, string>,
      checked: Number(row.checked) === 1,
    }));
  }

  async hasUnfinished(campaignId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('campaign_recipients')
      .select('seq')
      .where('campaign_id', '=', campaignId)
      .where('status', 'in', ['pending', 'sending'])
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async markChecked(campaignId: string, seqs: number[]): Promise<void> {
    if (seqs.length === 0) return;
    await this.db.updateTable('campaign_recipients').set({ checked: 1 }).where('campaign_id', '=', campaignId).where('seq', 'in', seqs).execute();
  }

  /** Marks pending recipients skipped (or failed) with a reason; resolves with how many changed. */
  async finishPending(campaignId: string, seqs: number[], status: 'skipped' | 'failed', reason: string, error: string, at: IsoTimestamp): Promise<number> {
    if (seqs.length === 0) return 0;
    const result = await this.db
      .updateTable('campaign_recipients')
      .set({ status, reason, error, updated_at: at })
      .where('campaign_id', '=', campaignId)
      .where('seq', 'in', seqs)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /**
   * Claims a recipient for sending: in one transaction its message is stored as pending
   * and the recipient becomes `sending` with that message's id and the time. If the
   * process dies after this, the recipient is never sent again (see `recoverInterrupted`).
   * Resolves false when the recipient was no longer pending. Fenced by the sending session:
   * an instance that lost the session's lease can't claim, so it has nothing to send (it
   * rejects with `LeaseLostError`, and nothing is written).
   */
  async claim(recipient: { campaignId: string; seq: number }, message: { id: string; sessionId: string; peer: string; text: string }, at: IsoTimestamp): Promise<boolean> {
    return this.db.transaction().execute((trx) => this.fence.guard(trx, message.sessionId, async (trx) => {
      const result = await trx
        .updateTable('campaign_recipients')
        .set({ status: 'sending', message_id: message.id, sent_at: at, updated_at: at })
        .where('campaign_id', '=', recipient.campaignId)
        .where('seq', '=', recipient.seq)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return false;
      await trx
        .insertInto('messages')
        .values({
          id: message.id,
          session_id: message.sessionId,
          direction: 'out',
          peer: message.peer,
          text: message.text,
          status: 'pending',
          error: null,
          error_code: null,
          created_at: at,
          updated_at: at,
        })
        .execute();
      return true;
    }));
  }

  /**
   * Applies a message's status to the recipient it was sent to, when it moves the
   * recipient forward. Resolves with the campaign id when a recipient changed.
   */
  async applyMessageStatus(messageId: string, status: RecipientStatus, reason: string | null, error: string | null, at: IsoTimestamp): Promise<string | null> {
    const below = statusesBelow(status);
    if (below.length === 0) return null;
    const row = await this.db
      .updateTable('campaign_recipients')
      .set({ status, reason, error, updated_at: at })
      .where('message_id', '=', messageId)
      .where('status', 'in', below)
      .returning('campaign_id')
      .executeTakeFirst();
    return row?.campaign_id ?? null;
  }

  /** Marks a claimed recipient whose send may or may not have reached WhatsApp. */
  async markUnknown(messageId: string, error: string, at: IsoTimestamp): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('campaign_recipients').set({ status: 'unknown', reason: 'interrupted', error, updated_at: at }).where('message_id', '=', messageId).where('status', '=', 'sending').execute();
      await trx.updateTable('messages').set({ status: 'unknown', error, error_code: 'interrupted', updated_at: at }).where('id', '=', messageId).where('direction', '=', 'out').where('status', '=', 'pending').execute();
    });
  }

  /**
   * After a crash: a recipient left `sending` takes its message's status when WhatsApp
   * had acknowledged it, and otherwise becomes `unknown` — it is never sent again.
   * Only the campaigns of `sessionIds` when given (what an instance just took over: another
   * instance may be sending the others right now). Resolves with the campaigns touched.
   */
  async recoverInterrupted(error: string, at: IsoTimestamp, sessionIds?: readonly string[]): Promise<string[]> {
    if (sessionIds?.length === 0) return [];
    let query = this.db
      .selectFrom('campaign_recipients')
      // Ids are unique per session; an incoming message elsewhere may share one, so only ours.
      .leftJoin('messages', (join) => join.onRef('messages.id', '=', 'campaign_recipients.message_id').on('messages.direction', '=', 'out'))
      .select(['campaign_recipients.campaign_id as campaignId', 'campaign_recipients.message_id as messageId', 'messages.status as messageStatus', 'messages.error_code as errorCode', 'messages.error as messageError'])
      .where('campaign_recipients.status', '=', 'sending');
    if (sessionIds) {
      query = query.where('campaign_recipients.campaign_id', 'in', (eb) => eb.selectFrom('campaigns').select('campaigns.id').where('campaigns.session_id', 'in', sessionIds));
    }
    const rows = await query.execute();
    const campaigns = new Set<string>();
    for (const row of rows) {
      campaigns.add(row.campaignId);
      if (!row.messageId) continue;
      const known = row.messageStatus && RECIPIENT_STATUSES.includes(row.messageStatus as RecipientStatus) && row.messageStatus !== 'pending' && row.messageStatus !== 'unknown';
      if (known) {
        await this.applyMessageStatus(row.messageId, row.messageStatus as RecipientStatus, row.errorCode, row.messageError, at);
      } else {
        await this.markUnknown(row.messageId, error, at);
      }
    }
    return [...campaigns];
  }

  /** Campaign messages the session sent since `since`, and the newest of them (for gaps after a restart). */
  async sentSince(sessionId: string, since: IsoTimestamp): Promise<{ count: number; newest: IsoTimestamp | null }> {
    const row = await this.db
      .selectFrom('campaign_recipients')
      .innerJoin('campaigns', 'campaigns.id', 'campaign_recipients.campaign_id')
      .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.max('campaign_recipients.sent_at').as('newest')])
      .where('campaigns.session_id', '=', sessionId)
      .where('campaign_recipients.sent_at', '>=', since)
      .executeTakeFirst();
    return { count: Number(row?.n ?? 0), newest: (row?.newest as string | null) ?? null };
  }

  /** The n-th most recent send time of the session's campaigns since `since` (1 = newest). */
  async nthRecentSend(sessionId: string, since: IsoTimestamp, n: number): Promise<IsoTimestamp | null> {
    const row = await this.db
      .selectFrom('campaign_recipients')
      .innerJoin('campaigns', 'campaigns.id', 'campaign_recipients.campaign_id')
      .select('campaign_recipients.sent_at')
      .where('campaigns.session_id', '=', sessionId)
      .where('campaign_recipients.sent_at', '>=', since)
      .orderBy('campaign_recipients.sent_at', 'desc')
      .offset(n - 1)
      .limit(1)
      .executeTakeFirst();
    return row?.sent_at ?? null;
  }
}
