import { sql } from 'kysely';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { RECIPIENT_STATUSES } from '@wasla/protocol';
import type { Campaign, CampaignLimits, CampaignPauseCode, CampaignStatus, Recipient, RecipientCounts, RecipientStatus, ReportTotals } from '@wasla/protocol';
import { AppError } from '../../errors/app-error.js';
import type { CampaignRecipientsTable, CampaignsTable, Database, IsoTimestamp, StoredRecipientStatus } from '../../storage/schema.js';
import { renderTemplate, templateVariables } from './template.js';

type Db = Kysely<Database> | Transaction<Database>;

/** A campaign row as the service works with it; `Campaign` minus what is computed per answer. */
export type CampaignRecord = Omit<Campaign, 'counts' | 'waiting' | 'variables'>;

/** A recipient to store; `seq` is given by the repository. */
export interface NewRecipient {
  phone: string;
  name: string | null;
  variables: Record<string, string>;
  line: number | null;
  status: 'pending' | 'skipped';
  reason: string | null;
  error: string | null;
}

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

/** Rows per INSERT: 10 columns each stays well under both databases' parameter limits. */
const INSERT_CHUNK = 500;

function campaignFromRow(row: Selectable<CampaignsTable>): CampaignRecord {
  return {
    id: row.id,
    sessionId: row.session_id,
    name: row.name,
    template: row.template,
    status: row.status,
    limits: JSON.parse(row.limits) as CampaignLimits,
    scheduledAt: row.scheduled_at,
    pause: row.pause_code && row.pause_reason && row.paused_at ? { code: row.pause_code, reason: row.pause_reason, at: row.paused_at } : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

function recipientFromRow(row: Selectable<CampaignRecipientsTable>): Recipient {
  return {
    seq: row.seq,
    phone: row.phone,
    name: row.name,
    variables: JSON.parse(row.variables) as Record<string, string>,
    status: row.status === 'sending' ? 'pending' : row.status,
    reason: row.reason,
    error: row.error,
    line: row.line,
    messageId: row.message_id,
    sentAt: row.sent_at,
    updatedAt: row.updated_at,
  };
}

export function emptyCounts(): RecipientCounts {
  return { total: 0, pending: 0, sent: 0, delivered: 0, read: 0, failed: 0, skipped: 0, unknown: 0 };
}

/** Adds grouped `(status, count)` rows to counts; `sending` counts as pending. */
function addCounts(counts: RecipientCounts, status: StoredRecipientStatus, n: number): void {
  const key: RecipientStatus = status === 'sending' ? 'pending' : status;
  counts[key] += n;
  counts.total += n;
}

/** Totals for a report from grouped `(status, reason, count)` rows. */
export function totalsFromGroups(groups: { status: StoredRecipientStatus; reason: string | null; n: number }[]): ReportTotals {
  const totals: ReportTotals = { sent: 0, delivered: 0, read: 0, failed: 0, skipped: 0, unknown: 0, pending: 0, failedByReason: {}, skippedByReason: {} };
  for (const { status, reason, n } of groups) {
    switch (status) {
      case 'read':
        totals.read += n;
        totals.delivered += n;
        totals.sent += n;
        break;
      case 'delivered':
        totals.delivered += n;
        totals.sent += n;
        break;
      case 'sent':
        totals.sent += n;
        break;
      case 'failed':
        totals.failed += n;
        totals.failedByReason[reason ?? 'error'] = (totals.failedByReason[reason ?? 'error'] ?? 0) + n;
        break;
      case 'skipped':
        totals.skipped += n;
        totals.skippedByReason[reason ?? 'other'] = (totals.skippedByReason[reason ?? 'other'] ?? 0) + n;
        break;
      case 'unknown':
        totals.unknown += n;
        break;
      case 'pending':
      case 'sending':
        totals.pending += n;
        break;
    }
  }
  return totals;
}

function encodeCursor(parts: (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

function decodeCursor<T extends unknown[]>(cursor: string, check: (value: unknown[]) => value is T): T {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(decoded) && check(decoded)) return decoded;
  } catch {
    // Falls through to the same answer as a well-formed but wrong cursor.
  }
  throw new AppError('bad_request', 'The cursor is not valid; ask for the first page again.');
}

/** Campaigns, their recipients and what the outbox and the reports ask of them. */
export class CampaignsRepository {
  constructor(readonly db: Kysely<Database>) {}

  async insert(campaign: CampaignRecord & { createdBy: string | null }, db: Db = this.db): Promise<void> {
    await db
      .insertInto('campaigns')
      .values({
        id: campaign.id,
        session_id: campaign.sessionId,
        name: campaign.name,
        template: campaign.template,
        status: campaign.status,
        limits: JSON.stringify(campaign.limits),
        scheduled_at: campaign.scheduledAt,
        pause_code: null,
        pause_reason: null,
        paused_at: null,
        created_by: campaign.createdBy,
        created_at: campaign.createdAt,
        updated_at: campaign.updatedAt,
        started_at: null,
        finished_at: null,
      })
      .execute();
  }

  async get(id: string, db: Db = this.db): Promise<CampaignRecord | null> {
    const row = await db.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? campaignFromRow(row) : null;
  }

  /** Newest first. */
  async list(query: { status?: CampaignStatus; sessionId?: string; cursor?: string; limit: number }): Promise<{ items: CampaignRecord[]; nextCursor: string | null }> {
    let select = this.db.selectFrom('campaigns').selectAll();
    if (query.status) select = select.where('status', '=', query.status);
    if (query.sessionId) select = select.where('session_id', '=', query.sessionId);
    if (query.cursor) {
      const [createdAt, id] = decodeCursor(query.cursor, (v): v is [string, string] => v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string');
      select = select.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(createdAt, id)));
    }
    const rows = await select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit + 1).execute();
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return { items: page.map(campaignFromRow), nextCursor: rows.length > query.limit && last ? encodeCursor([last.created_at, last.id]) : null };
  }

  /** Campaigns of a session in these statuses, oldest started first (the order the outbox serves them). */
  async bySessionAndStatus(sessionId: string, statuses: CampaignStatus[]): Promise<CampaignRecord[]> {
    const rows = await this.db
      .selectFrom('campaigns')
      .selectAll()
      .where('session_id', '=', sessionId)
      .where('status', 'in', statuses)
      .orderBy('started_at')
      .orderBy('id')
      .execute();
    return rows.map(campaignFromRow);
  }

  async sessionsWithStatus(statuses: CampaignStatus[]): Promise<string[]> {
    const rows = await this.db.selectFrom('campaigns').select('session_id').distinct().where('status', 'in', statuses).execute();
    return rows.map((row) => row.session_id);
  }

  /** Changes a draft's fields. */
  async updateDraft(id: string, fields: Partial<Pick<CampaignRecord, 'name' | 'template' | 'limits' | 'scheduledAt'>>, updatedAt: IsoTimestamp): Promise<boolean> {
    const result = await this.db
      .updateTable('campaigns')
      .set({
        ...(fields.name !== undefined ? { name: fields.name } : {}),
        ...(fields.template !== undefined ? { template: fields.template } : {}),
        ...(fields.limits !== undefined ? { limits: JSON.stringify(fields.limits) } : {}),
        ...(fields.scheduledAt !== undefined ? { scheduled_at: fields.scheduledAt } : {}),
        updated_at: updatedAt,
      })
      .where('id', '=', id)
      .where('status', '=', 'draft')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async deleteDraft(id: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const campaign = await trx.selectFrom('campaigns').select('status').where('id', '=', id).executeTakeFirst();
      if (campaign?.status !== 'draft') return false;
      await trx.deleteFrom('campaign_recipients').where('campaign_id', '=', id).execute();
      await trx.deleteFrom('campaigns').where('id', '=', id).execute();
      return true;
    });
  }

  /**
   * Moves a campaign to `to` when it is in one of `from`, with the pause and the
   * timestamps given; resolves false when it was in another status (a race lost).
   */
  async setStatus(
    id: string,
    from: CampaignStatus[],
    to: CampaignStatus,
    change: { at: IsoTimestamp; pause?: { code: CampaignPauseCode; reason: string } | null; started?: boolean; finished?: boolean },
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('campaigns')
      .set({
        status: to,
        updated_at: change.at,
        ...(change.pause !== undefined
          ? { pause_code: change.pause?.code ?? null, pause_reason: change.pause?.reason ?? null, paused_at: change.pause ? change.at : null }
          : {}),
        ...(change.started ? { started_at: change.at } : {}),
        ...(change.finished ? { finished_at: change.at } : {}),
      })
      .where('id', '=', id)
      .where('status', 'in', from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async counts(campaignId: string, db: Db = this.db): Promise<RecipientCounts> {
    const rows = await db
      .selectFrom('campaign_recipients')
      .select(['status', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('campaign_id', '=', campaignId)
      .groupBy('status')
      .execute();
    const counts = emptyCounts();
    for (const row of rows) addCounts(counts, row.status, Number(row.n));
    return counts;
  }

  async reportGroups(campaignId: string): Promise<{ status: StoredRecipientStatus; reason: string | null; n: number }[]> {
    const rows = await this.db
      .selectFrom('campaign_recipients')
      .select(['status', 'reason', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('campaign_id', '=', campaignId)
      .groupBy(['status', 'reason'])
      .execute();
    return rows.map((row) => ({ status: row.status, reason: row.reason, n: Number(row.n) }));
  }

  /** Skipped recipients by reason for campaigns that sent in a range (messages hold the rest). */
  async skippedGroups(range: { from: IsoTimestamp; to: IsoTimestamp; sessionId?: string }): Promise<{ campaignId: string; status: StoredRecipientStatus; reason: string | null; n: number }[]> {
    let select = this.db
      .selectFrom('campaign_recipients')
      .innerJoin('campaigns', 'campaigns.id', 'campaign_recipients.campaign_id')
      .select(['campaign_recipients.campaign_id as campaignId', 'campaign_recipients.status', 'campaign_recipients.reason', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('campaign_recipients.updated_at', '>=', range.from)
      .where('campaign_recipients.updated_at', '<', range.to)
      .where('campaign_recipients.status', '=', 'skipped')
      // A draft's rows were never going to be sent: only campaigns that started count.
      .where('campaigns.started_at', 'is not', null);
    if (range.sessionId) select = select.where('campaigns.session_id', '=', range.sessionId);
    const rows = await select.groupBy(['campaign_recipients.campaign_id', 'campaign_recipients.status', 'campaign_recipients.reason']).execute();
    return rows.map((row) => ({ campaignId: row.campaignId, status: row.status, reason: row.reason, n: Number(row.n) }));
  }

  /** Campaigns that were sending at some time in [from, to), newest first (at most 100). */
  async ranBetween(from: IsoTimestamp, to: IsoTimestamp, sessionId?: string): Promise<CampaignRecord[]> {
    let select = this.db
      .selectFrom('campaigns')
      .selectAll()
      .where('started_at', 'is not', null)
      .where('started_at', '<', to)
      .where((eb) => eb.or([eb('finished_at', 'is', null), eb('finished_at', '>=', from)]));
    if (sessionId) select = select.where('session_id', '=', sessionId);
    const rows = await select.orderBy('started_at', 'desc').limit(100).execute();
    return rows.map(campaignFromRow);
  }

  /** Every E.164 number already in the campaign (for duplicate checks on import). */
  async phones(campaignId: string, db: Db = this.db): Promise<Set<string>> {
    const rows = await db.selectFrom('campaign_recipients').select('phone').where('campaign_id', '=', campaignId).where('phone', 'like', '+%').execute();
    return new Set(rows.map((row) => row.phone));
  }

  async maxSeq(campaignId: string, db: Db = this.db): Promise<number> {
    const row = await db.selectFrom('campaign_recipients').select((eb) => eb.fn.max('seq').as('max')).where('campaign_id', '=', campaignId).executeTakeFirst();
    return Number(row?.max ?? 0);
  }

  /** Appends recipients with consecutive `seq`s after `afterSeq`; resolves with the last seq used. */
  async insertRecipients(db: Db, campaignId: string, afterSeq: number, recipients: NewRecipient[], at: IsoTimestamp): Promise<number> {
    let seq = afterSeq;
    for (let start = 0; start < recipients.length; start += INSERT_CHUNK) {
      const rows = recipients.slice(start, start + INSERT_CHUNK).map((recipient) => ({
        campaign_id: campaignId,
        seq: ++seq,
        phone: recipient.phone,
        name: recipient.name,
        variables: JSON.stringify(recipient.variables),
        line: recipient.line,
        status: recipient.status,
        reason: recipient.reason,
        error: recipient.error,
        checked: 0,
        message_id: null,
        sent_at: null,
        updated_at: at,
      }));
      await db.insertInto('campaign_recipients').values(rows).execute();
    }
    return seq;
  }

  async clearRecipients(campaignId: string): Promise<void> {
    await this.db.deleteFrom('campaign_recipients').where('campaign_id', '=', campaignId).execute();
  }

  async recipients(campaignId: string, query: { status?: RecipientStatus; cursor?: string; limit: number }): Promise<{ items: Recipient[]; nextCursor: string | null }> {
    let select = this.db.selectFrom('campaign_recipients').selectAll().where('campaign_id', '=', campaignId);
    if (query.status === 'pending') select = select.where('status', 'in', ['pending', 'sending']);
    else if (query.status) select = select.where('status', '=', query.status);
    if (query.cursor) {
      const [after] = decodeCursor(query.cursor, (v): v is [number] => v.length === 1 && Number.isInteger(v[0]));
      select = select.where('seq', '>', after);
    }
    const rows = await select.orderBy('seq').limit(query.limit + 1).execute();
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return { items: page.map(recipientFromRow), nextCursor: rows.length > query.limit && last ? encodeCursor([last.seq]) : null };
  }

  async recipient(campaignId: string, seq: number): Promise<Recipient | null> {
    const row = await this.db.selectFrom('campaign_recipients').selectAll().where('campaign_id', '=', campaignId).where('seq', '=', seq).executeTakeFirst();
    return row ? recipientFromRow(row) : null;
  }

  async firstRecipient(campaignId: string): Promise<Recipient | null> {
    const row = await this.db
      .selectFrom('campaign_recipients')
      .selectAll()
      .where('campaign_id', '=', campaignId)
      .orderBy(sql`case when status = 'pending' then 0 else 1 end`)
      .orderBy('seq')
      .limit(1)
      .executeTakeFirst();
    return row ? recipientFromRow(row) : null;
  }

  /** Every recipient in `seq` order, a page at a time (for the CSV report and the variable check). */
  async *allRecipients(campaignId: string, statuses?: StoredRecipientStatus[], pageSize = 2000): AsyncGenerator<Recipient[]> {
    let after = 0;
    for (;;) {
      let select = this.db.selectFrom('campaign_recipients').selectAll().where('campaign_id', '=', campaignId).where('seq', '>', after);
      if (statuses) select = select.where('status', 'in', statuses);
      const rows = await select.orderBy('seq').limit(pageSize).execute();
      if (rows.length === 0) return;
      yield rows.map(recipientFromRow);
      after = rows.at(-1)?.seq ?? after;
      if (rows.length < pageSize) return;
    }
  }

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
   * Resolves false when the recipient was no longer pending.
   */
  async claim(recipient: { campaignId: string; seq: number }, message: { id: string; sessionId: string; peer: string; text: string }, at: IsoTimestamp): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
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
    });
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
      await trx.updateTable('messages').set({ status: 'unknown', error, error_code: 'interrupted', updated_at: at }).where('id', '=', messageId).where('status', '=', 'pending').execute();
    });
  }

  /**
   * After a crash: a recipient left `sending` takes its message's status when WhatsApp
   * had acknowledged it, and otherwise becomes `unknown` — it is never sent again.
   * Resolves with the campaigns touched.
   */
  async recoverInterrupted(error: string, at: IsoTimestamp): Promise<string[]> {
    const rows = await this.db
      .selectFrom('campaign_recipients')
      .leftJoin('messages', 'messages.id', 'campaign_recipients.message_id')
      .select(['campaign_recipients.campaign_id as campaignId', 'campaign_recipients.message_id as messageId', 'messages.status as messageStatus', 'messages.error_code as errorCode', 'messages.error as messageError'])
      .where('campaign_recipients.status', '=', 'sending')
      .execute();
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

  /** Campaign messages the session sent since `since`, and the oldest of them (for caps). */
  async sentSince(sessionId: string, since: IsoTimestamp): Promise<{ count: number; oldest: IsoTimestamp | null; newest: IsoTimestamp | null }> {
    const row = await this.db
      .selectFrom('campaign_recipients')
      .innerJoin('campaigns', 'campaigns.id', 'campaign_recipients.campaign_id')
      .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.min('campaign_recipients.sent_at').as('oldest'), eb.fn.max('campaign_recipients.sent_at').as('newest')])
      .where('campaigns.session_id', '=', sessionId)
      .where('campaign_recipients.sent_at', '>=', since)
      .executeTakeFirst();
    return { count: Number(row?.n ?? 0), oldest: (row?.oldest as string | null) ?? null, newest: (row?.newest as string | null) ?? null };
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

  /**
   * Recipients whose variables miss some the template uses, by variable: how many and
   * the first seq. Only recipients still to be sent count.
   */
  async missingVariables(campaignId: string, template: string): Promise<{ variable: string; count: number; firstSeq: number }[]> {
    const used = templateVariables(template);
    const found = new Map<string, { variable: string; count: number; firstSeq: number }>();
    if (used.length === 0) return [];
    for await (const page of this.allRecipients(campaignId, ['pending'])) {
      for (const recipient of page) {
        for (const variable of renderTemplate(template, recipient).missing) {
          const entry = found.get(variable) ?? { variable, count: 0, firstSeq: recipient.seq };
          entry.count += 1;
          found.set(variable, entry);
        }
      }
    }
    return [...found.values()];
  }
}
