import type { CampaignReadiness } from '@wasla/protocol';
import { SCHEDULE_GRACE_MS } from './drafts.js';
import type { RecipientsRepository } from './recipients-repository.js';
import type { CampaignRecord } from './repository.js';

/** What Start would do: whether it works, who receives the message, and the rows it skips first. */
export interface ReadinessCheck {
  readiness: CampaignReadiness;
  /** Pending rows whose number opted out. */
  optedOut: number[];
  /** Pending rows (not opted out) with no value for a variable the template uses. */
  missingSeqs: number[];
}

/** The one check before Start, for Start itself and for the editor. */
export async function checkReadiness(record: CampaignRecord, recipients: RecipientsRepository, now: Date): Promise<ReadinessCheck> {
  const counts = await recipients.counts(record.id);
  const optedOut = (await recipients.optedOutPending(record.id)).map((row) => row.seq);
  const { missing, seqs: missingSeqs } = await recipients.missingValues(record.id, record.template, new Set(optedOut));
  const skipMissing = record.options.missingValues === 'skip';
  // Opted-out and (skipped or not) missing rows never receive it; refusing rows missing a value blocks Start instead.
  const willReceive = Math.max(0, counts.pending - optedOut.length - missingSeqs.length);
  const problems: CampaignReadiness['problems'] = [];
  if (counts.pending - optedOut.length - (skipMissing ? missingSeqs.length : 0) <= 0) problems.push('no_recipients');
  if (!skipMissing && missingSeqs.length > 0) problems.push('missing_variables');
  if (record.scheduledAt && new Date(record.scheduledAt).getTime() < now.getTime() - SCHEDULE_GRACE_MS) problems.push('schedule_in_past');
  return {
    readiness: {
      ready: problems.length === 0,
      willReceive,
      optedOut: optedOut.length,
      missingValues: missingSeqs.length,
      missing,
      skipped: counts.skipped,
      problems,
    },
    optedOut,
    missingSeqs,
  };
}
