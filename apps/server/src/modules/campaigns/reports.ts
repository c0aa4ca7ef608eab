import type { RangeReport, ReportTotals } from '@wasla/protocol';
import { AppError } from '../../errors/app-error.js';
import type { StoredRecipientStatus } from '../../storage/schema.js';
import type { MessagesRepository } from '../messages/repository.js';
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
  // setUTCFullYear, not Date.UTC, which reads years 0–99 as 19xx.
  const wall = new Date(Date.UTC(2000, 0, 1, get('hour'), get('minute'), get('second'))).setUTCFullYear(get('year'), get('month') - 1, get('day'));
  return wall - (at - (at % 1000));
}

/** Midnight UTC of a day (YYYY-MM-DD), in ms; NaN for a day that doesn't exist. Date.UTC would read years 0–99 as 19xx. */
function dayMs(day: string): number {
  const ms = Date.parse(`${day}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === day ? ms : Number.NaN;
}

/** The instant the local day whose wall-clock midnight is `wall` (ms) begins in `timeZone`. */
function localMidnight(wall: number, timeZone: string): number {
  const instant = wall - zoneOffsetMs(wall, timeZone);
  // Once more at the found instant, for a day that starts on a clock change.
  return wall - zoneOffsetMs(instant, timeZone);
}

/** The instant a local day (YYYY-MM-DD) begins in `timeZone`. */
export function startOfLocalDay(day: string, timeZone: string): Date {
  return new Date(localMidnight(dayMs(day), timeZone));
}

function localDay(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** Stored timestamps are ISO-8601 with a four-digit year; a bound past them is written as their last one. */
const FIRST_INSTANT = Date.parse('0000-01-01T00:00:00.000Z');
const LAST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');
const isoBound = (ms: number): string => new Date(Math.min(Math.max(ms, FIRST_INSTANT), LAST_INSTANT)).toISOString();

/**
 * Every outgoing message in a range of local days — single sends and campaigns alike —
 * with campaign recipients skipped in it, by day and by reason, and the campaigns
 * that ran in it. Messages are grouped in the database by ten-minute slot (the first
 * 15 characters of an ISO timestamp), which every time zone's day boundary falls on,
 * then into local days here.
 */
export async function rangeReport(
  stores: { messages: MessagesRepository; campaigns: CampaignsRepository; recipients: RecipientsRepository },
  query: { from: string; to: string; timeZone: string; sessionId?: string },
): Promise<RangeReport> {
  const { messages, campaigns, recipients } = stores;
  const [fromMs, toMs] = [dayMs(query.from), dayMs(query.to)];
  if (Number.isNaN(fromMs) || Number.isNaN(toMs)) throw new AppError('validation_failed', '"from" and "to" must be days that exist, as YYYY-MM-DD.');
  if (fromMs > toMs) throw new AppError('validation_failed', '"from" must be on or before "to".');
  const dayCount = Math.round((toMs - fromMs) / DAY_MS) + 1;
  if (dayCount > MAX_DAYS) throw new AppError('validation_failed', `A report covers at most ${MAX_DAYS} days.`);
  const start = isoBound(localMidnight(fromMs, query.timeZone));
  const end = isoBound(localMidnight(toMs + DAY_MS, query.timeZone));

  const range = { from: start, to: end, ...(query.sessionId ? { sessionId: query.sessionId } : {}) };
  const slots = await messages.outgoingBySlot(range);

  const days = new Map<string, { day: string; sent: number; delivered: number; read: number; failed: number }>();
  // Counted, not compared as text: the day after 9999-12-31 is no longer YYYY-MM-DD.
  for (let i = 0; i < dayCount; i += 1) {
    const day = new Date(fromMs + i * DAY_MS).toISOString().slice(0, 10);
    days.set(day, { day, sent: 0, delivered: 0, read: 0, failed: 0 });
  }
  const groups: { status: StoredRecipientStatus; reason: string | null; n: number }[] = [];
  for (const { slot, status, errorCode, n } of slots) {
    groups.push({ status, reason: errorCode, n });
    const bucket = days.get(localDay(new Date(`${slot}0:00.000Z`), query.timeZone));
    if (!bucket) continue;
    const one = totalsFromGroups([{ status, reason: errorCode, n }]);
    bucket.sent += one.sent;
    bucket.delivered += one.delivered;
    bucket.read += one.read;
    bucket.failed += one.failed;
  }
  const skipped = await recipients.skippedGroups(range);
  const totals = totalsFromGroups([...groups, ...skipped]);

  const ran = await campaigns.ranBetween(start, end, query.sessionId);
  const perCampaign: RangeReport['campaigns'] = [];
  for (const campaign of ran) {
    const campaignTotals: ReportTotals = totalsFromGroups(await recipients.reportGroups(campaign.id));
    perCampaign.push({ id: campaign.id, name: campaign.name, status: campaign.status, totals: campaignTotals });
  }
  return { from: query.from, to: query.to, timeZone: query.timeZone, totals, days: [...days.values()], campaigns: perCampaign };
}
