import type { Kysely } from 'kysely';
import type { RangeReport, ReportTotals } from '@wasla/protocol';
import { AppError } from '../../errors/app-error.js';
import type { Database, StoredRecipientStatus } from '../../storage/schema.js';
import { totalsFromGroups } from './recipients-repository.js';
import type { RecipientsRepository } from './recipients-repository.js';
import type { CampaignsRepository } from './repository.js';

const DAY_MS = 86_400_000;
const MAX_DAYS = 366;

/** The offset of `timeZone` from UTC at `at`, in ms (Riyadh: +3 h). */
function zoneOffsetMs(at: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(at));
  const get = (type: string): number => Number(parts.find((part) => part.type === type)?.value ?? 0);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - (at - (at % 1000));
}

/** The instant a local day (YYYY-MM-DD) begins in `timeZone`. */
export function startOfLocalDay(day: string, timeZone: string): Date {
  const [year = 0, month = 1, date = 1] = day.split('-').map(Number);
  const wall = Date.UTC(year, month - 1, date);
  let instant = wall - zoneOffsetMs(wall, timeZone);
  // Once more at the found instant, for a day that starts on a clock change.
  instant = wall - zoneOffsetMs(instant, timeZone);
  return new Date(instant);
}

function localDay(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
}

/**
 * Every outgoing message in a range of local days — single sends and campaigns alike —
 * with campaign recipients skipped in it, by day and by reason, and the campaigns
 * that ran in it. Messages are grouped in the database by ten-minute slot (the first
 * 15 characters of an ISO timestamp), which every time zone's day boundary falls on,
 * then into local days here.
 */
export async function rangeReport(
  db: Kysely<Database>,
  campaigns: CampaignsRepository,
  recipients: RecipientsRepository,
  query: { from: string; to: string; timeZone: string; sessionId?: string },
): Promise<RangeReport> {
  if (query.from > query.to) throw new AppError('validation_failed', '"from" must be on or before "to".');
  const dayCount = Math.round((Date.parse(query.to) - Date.parse(query.from)) / DAY_MS) + 1;
  if (dayCount > MAX_DAYS) throw new AppError('validation_failed', `A report covers at most ${MAX_DAYS} days.`);
  const start = startOfLocalDay(query.from, query.timeZone).toISOString();
  const end = startOfLocalDay(nextDay(query.to), query.timeZone).toISOString();

  let select = db
    .selectFrom('messages')
    .select((eb) => [eb.fn<string>('substr', ['created_at', eb.val(1), eb.val(15)]).as('slot'), 'status', 'error_code', eb.fn.countAll<number | string>().as('n')])
    .where('direction', '=', 'out')
    .where('created_at', '>=', start)
    .where('created_at', '<', end);
  if (query.sessionId) select = select.where('session_id', '=', query.sessionId);
  const rows = await select.groupBy(['slot', 'status', 'error_code']).execute();

  const days = new Map<string, { day: string; sent: number; delivered: number; read: number; failed: number }>();
  for (let day = query.from; day <= query.to; day = nextDay(day)) days.set(day, { day, sent: 0, delivered: 0, read: 0, failed: 0 });
  const groups: { status: StoredRecipientStatus; reason: string | null; n: number }[] = [];
  for (const row of rows) {
    const n = Number(row.n);
    groups.push({ status: row.status, reason: row.error_code, n });
    const bucket = days.get(localDay(new Date(`${row.slot}0:00.000Z`), query.timeZone));
    if (!bucket) continue;
    const one = totalsFromGroups([{ status: row.status, reason: row.error_code, n }]);
    bucket.sent += one.sent;
    bucket.delivered += one.delivered;
    bucket.read += one.read;
    bucket.failed += one.failed;
  }
  const skipped = await recipients.skippedGroups({ from: start, to: end, ...(query.sessionId ? { sessionId: query.sessionId } : {}) });
  const totals = totalsFromGroups([...groups, ...skipped]);

  const ran = await campaigns.ranBetween(start, end, query.sessionId);
  const perCampaign: RangeReport['campaigns'] = [];
  for (const campaign of ran) {
    const campaignTotals: ReportTotals = totalsFromGroups(await recipients.reportGroups(campaign.id));
    perCampaign.push({ id: campaign.id, name: campaign.name, status: campaign.status, totals: campaignTotals });
  }
  return { from: query.from, to: query.to, timeZone: query.timeZone, totals, days: [...days.values()], campaigns: perCampaign };
}
