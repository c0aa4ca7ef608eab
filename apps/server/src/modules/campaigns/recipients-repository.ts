import { sql } from 'kysely';
import type { Kysely, Selectable } from 'kysely';
import { countRecipient, emptyRecipientCounts } from '@wasla/protocol';
import type { Recipient, RecipientCounts, RecipientStatus, ReportTotals } from '@wasla/protocol';
import type { CampaignRecipientsTable, Database, IsoTimestamp, StoredRecipientStatus } from '../../storage/schema.js';
import { LARGEST_INTEGER } from '../../http/storable-text.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { Db } from './repository.js';
import { renderTemplate, templateVariables } from './template.js';

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

/** Rows per INSERT: 10 columns each stays well under both databases' parameter limits. */
const INSERT_CHUNK = 500;

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
  return emptyRecipientCounts();
}

/** Adds grouped `(status, count)` rows to counts (the protocol's one definition); `sending` counts as pending. */
function addCounts(counts: RecipientCounts, status: StoredRecipientStatus, n: number): void {
  countRecipient(counts, status === 'sending' ? 'pending' : status, n);
}

/** Totals for a report from grouped `(status, reason, count)` rows. */
export function totalsFromGroups(groups: { status: StoredRecipientStatus; reason: string | null; n: number }[]): ReportTotals {
  const totals: ReportTotals = { sent: 0, delivered: 0, read: 0, failed: 0, skipped: 0, unknown: 0, pending: 0, failedByReason: {}, skippedByReason: {} };
  for (const { status, reason, n } of groups) {
    countRecipient(totals, status === 'sending' ? 'pending' : status, n);
    if (status === 'failed') totals.failedByReason[reason ?? 'error'] = (totals.failedByReason[reason ?? 'error'] ?? 0) + n;
    if (status === 'skipped') totals.skippedByReason[reason ?? 'other'] = (totals.skippedByReason[reason ?? 'other'] ?? 0) + n;
  }
  return totals;
}

/** A campaign's audience: importing it, paging it, checking it against the template, counting it. */
export class RecipientsRepository {
  constructor(readonly db: Kysely<Database>) {}

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
    // The filters mean what the counts mean: `sent` includes the delivered and read, `delivered` the read.
    if (query.status === 'pending') select = select.where('status', 'in', ['pending', 'sending']);
    else if (query.status === 'sent') select = select.where('status', 'in', ['sent', 'delivered', 'read']);
    else if (query.status === 'delivered') select = select.where('status', 'in', ['delivered', 'read']);
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
    // `seq` is an integer column: a larger number is no recipient (PostgreSQL would fail the query).
    if (!Number.isInteger(seq) || Math.abs(seq) > LARGEST_INTEGER) return null;
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

  /**
   * The audience's own columns (every variable any recipient has, but name and phone),
   * in the order they first appear: the file's column order.
   */
  async variableColumns(campaignId: string, pageSize = 2000): Promise<string[]> {
    const columns = new Set<string>();
    let after = 0;
    for (;;) {
      const rows = await this.db
        .selectFrom('campaign_recipients')
        .select(['seq', 'variables'])
        .where('campaign_id', '=', campaignId)
        .where('seq', '>', after)
        .orderBy('seq')
        .limit(pageSize)
        .execute();
      for (const row of rows) for (const key of Object.keys(JSON.parse(row.variables) as Record<string, string>)) columns.add(key);
      const last = rows.at(-1);
      if (!last || rows.length < pageSize) break;
      after = last.seq;
    }
    columns.delete('name');
    columns.delete('phone');
    return [...columns];
  }

  /** Pending recipients whose number is on the opt-out list: they will be skipped. */
  async optedOutPending(campaignId: string): Promise<{ seq: number; phone: string }[]> {
    return this.db
      .selectFrom('campaign_recipients')
      .select(['seq', 'phone'])
      .where('campaign_id', '=', campaignId)
      .where('status', '=', 'pending')
      .where('phone', 'in', (eb) => eb.selectFrom('suppressions').select('phone'))
      .orderBy('seq')
      .execute();
  }

  /**
   * Pending recipients (but those in `except`, by seq) without a value for a variable the
   * template uses and no fallback for it: by variable, how many and the first seq; and
   * every such recipient's seq.
   */
  async missingValues(campaignId: string, template: string, except: ReadonlySet<number> = new Set()): Promise<{ missing: { variable: string; count: number; firstSeq: number }[]; seqs: number[] }> {
    const used = templateVariables(template);
    const found = new Map<string, { variable: string; count: number; firstSeq: number }>();
    const seqs: number[] = [];
    if (used.length === 0) return { missing: [], seqs };
    for await (const page of this.allRecipients(campaignId, ['pending'])) {
      for (const recipient of page) {
        if (except.has(recipient.seq)) continue;
        const { missing } = renderTemplate(template, recipient);
        if (missing.length > 0) seqs.push(recipient.seq);
        for (const variable of missing) {
          const entry = found.get(variable) ?? { variable, count: 0, firstSeq: recipient.seq };
          entry.count += 1;
          found.set(variable, entry);
        }
      }
    }
    return { missing: [...found.values()], seqs };
  }

  /** Recipients whose variables miss some the template uses (see `missingValues`). */
  async missingVariables(campaignId: string, template: string): Promise<{ variable: string; count: number; firstSeq: number }[]> {
    return (await this.missingValues(campaignId, template)).missing;
  }
}
