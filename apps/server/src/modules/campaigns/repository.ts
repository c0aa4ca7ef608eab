import type { Kysely, Selectable, Transaction } from 'kysely';
import { DEFAULT_CAMPAIGN_OPTIONS, campaignOptionsSchema } from '@wasla/protocol';
import type { Campaign, CampaignLimits, CampaignOptions, CampaignPauseCode, CampaignStatus } from '@wasla/protocol';
import type { CampaignsTable, Database, IsoTimestamp } from '../../storage/schema.js';
import { decodeCursor, encodeCursor } from './cursor.js';

/** The database or a transaction on it: writes that must land together take one. */
export type Db = Kysely<Database> | Transaction<Database>;

/** A campaign row as the service works with it; `Campaign` minus what is computed per answer. */
export type CampaignRecord = Omit<Campaign, 'counts' | 'waiting' | 'variables'>;

function campaignFromRow(row: Selectable<CampaignsTable>): CampaignRecord {
  return {
    id: row.id,
    sessionId: row.session_id,
    name: row.name,
    template: row.template,
    status: row.status,
    limits: JSON.parse(row.limits) as CampaignLimits,
    options: optionsFromJson(row.options),
    scheduledAt: row.scheduled_at,
    pause: row.pause_code && row.pause_reason && row.paused_at ? { code: row.pause_code, reason: row.pause_reason, at: row.paused_at } : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

/** Stored options over the defaults: a campaign from before an option existed has the default. */
function optionsFromJson(json: string): CampaignOptions {
  const parsed = campaignOptionsSchema.partial().safeParse(JSON.parse(json));
  return { ...DEFAULT_CAMPAIGN_OPTIONS, ...(parsed.success ? parsed.data : {}) };
}

/** Campaign rows: drafts, their lifecycle, and which campaigns run where. */
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
        options: JSON.stringify(campaign.options),
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
  async updateDraft(id: string, fields: Partial<Pick<CampaignRecord, 'name' | 'template' | 'limits' | 'options' | 'scheduledAt'>>, updatedAt: IsoTimestamp): Promise<boolean> {
    const result = await this.db
      .updateTable('campaigns')
      .set({
        ...(fields.name !== undefined ? { name: fields.name } : {}),
        ...(fields.template !== undefined ? { template: fields.template } : {}),
        ...(fields.limits !== undefined ? { limits: JSON.stringify(fields.limits) } : {}),
        ...(fields.options !== undefined ? { options: JSON.stringify(fields.options) } : {}),
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

  /** Deletes these drafts and their recipients in one transaction; null (and nothing deleted) when one is missing or not a draft. */
  async deleteDrafts(ids: string[]): Promise<number | null> {
    if (ids.length === 0) return 0;
    return this.db.transaction().execute(async (trx) => {
      const rows = await trx.selectFrom('campaigns').select(['id', 'status']).where('id', 'in', ids).execute();
      if (rows.length !== ids.length || rows.some((row) => row.status !== 'draft')) return null;
      await trx.deleteFrom('campaign_recipients').where('campaign_id', 'in', ids).execute();
      const result = await trx.deleteFrom('campaigns').where('id', 'in', ids).where('status', '=', 'draft').executeTakeFirst();
      return Number(result.numDeletedRows);
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
}
