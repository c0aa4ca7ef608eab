import { randomUUID } from 'node:crypto';
import type { Recipient } from '@wasla/protocol';
import { AppError } from '../../errors/app-error.js';
import type { StoredRecipientStatus } from '../../storage/schema.js';
import { campaignName } from './drafts.js';
import type { NewRecipient, RecipientsRepository } from './recipients-repository.js';
import type { CampaignRecord, CampaignsRepository } from './repository.js';

/** Whom a copy sends to: everyone, or those whose message failed or whose fate is unknown (sending again). */
export interface CopyRequest {
  name?: string;
  only?: 'failed_or_unknown';
}

/**
 * A new draft with a campaign's name, message, limits, options and schedule (when still
 * ahead), and its recipients as imported: everyone, or with `only`, those whose
 * message failed or whose fate is unknown (sending again: a new campaign, never an
 * automatic retry). Rows skipped at import stay skipped with their reason.
 */
export async function copyCampaign(
  stores: { repository: CampaignsRepository; recipients: RecipientsRepository },
  source: CampaignRecord,
  input: CopyRequest,
  createdBy: string | null,
  now: Date,
): Promise<CampaignRecord> {
  const { repository, recipients } = stores;
  const resend = input.only === 'failed_or_unknown';
  if (resend && source.status === 'draft') throw new AppError('invalid_campaign_state', 'A draft has sent nothing: there is no one to send to again.');
  const at = now.toISOString();
  const statuses: StoredRecipientStatus[] | undefined = resend ? ['failed', 'unknown'] : undefined;
  const scheduledAt = source.scheduledAt && new Date(source.scheduledAt) > now && !resend ? source.scheduledAt : null;
  const record: CampaignRecord = {
    ...source,
    id: randomUUID(),
    name: campaignName(input.name ?? `${source.name} (${resend ? 'sent again' : 'copy'})`.slice(0, 120)),
    status: 'draft',
    scheduledAt,
    pause: null,
    createdAt: at,
    updatedAt: at,
    startedAt: null,
    finishedAt: null,
  };
  // Read before the transaction: SQLite has one connection, which the transaction holds.
  const pages: Recipient[][] = [];
  for await (const page of recipients.allRecipients(source.id, statuses)) pages.push(page);
  const copied = pages.reduce((sum, page) => sum + page.length, 0);
  if (resend && copied === 0) throw new AppError('no_recipients', 'No message of this campaign failed or has an unknown fate: there is no one to send to again.');
  await repository.db.transaction().execute(async (trx) => {
    await repository.insert({ ...record, createdBy }, trx);
    let seq = 0;
    for (const page of pages) {
      const rows: NewRecipient[] = page.map((recipient) => {
        const skippedAtImport = !resend && recipient.status === 'skipped' && (recipient.reason === 'invalid' || recipient.reason === 'duplicate');
        return {
          phone: recipient.phone,
          name: recipient.name,
          variables: recipient.variables,
          line: recipient.line,
          status: skippedAtImport ? 'skipped' : 'pending',
          reason: skippedAtImport ? recipient.reason : null,
          error: skippedAtImport ? recipient.error : null,
        };
      });
      seq = await recipients.insertRecipients(trx, record.id, seq, rows, at);
    }
  });
  return record;
}
