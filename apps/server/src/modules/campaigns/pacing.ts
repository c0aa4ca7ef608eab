import type { CampaignLimits, CampaignWaitCode, QuietHours } from '@wasla/protocol';

const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

function minutesOf(time: string): number {
  const [hours = 0, minutes = 0] = time.split(':').map(Number);
  return hours * 60 + minutes;
}

/** The wall-clock minute of the day (0–1439) and second of `at` in `timeZone`. */
function localClock(at: Date, timeZone: string): { minute: number; second: number } {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const part = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { minute: part('hour') * 60 + part('minute'), second: part('second') };
}

/**
 * When quiet hours in force at `at` end, or null when `at` is outside them. The end is
 * found by wall-clock minutes from now, so on a night the clocks change it can be an
 * hour off; the outbox checks again when it wakes, so it never sends inside them.
 */
export function quietHoursEnd(at: Date, quiet: QuietHours | null): Date | null {
  if (!quiet) return null;
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  const { minute, second } = localClock(at, quiet.timeZone);
  const inside = start < end ? minute >= start && minute < end : minute >= start || minute < end;
  if (!inside) return null;
  const minutesLeft = (end - minute + 1440) % 1440;
  return new Date(at.getTime() + minutesLeft * MINUTE_MS - second * 1000 - (at.getTime() % 1000));
}

/** What the outbox knows about the session's recent campaign sends. */
export interface SendHistory {
  /** The last campaign message's send time, if any. */
  lastSentAt: Date | null;
  /** The gap chosen after the last send (a random value in the limits). */
  gapMs: number;
  sentLastHour: number;
  sentLastDay: number;
  /** When the window's count drops below the cap: the send that is `cap` sends back, plus the window. */
  hourlyCapFreesAt: Date | null;
  dailyCapFreesAt: Date | null;
}

/** A random gap between the limits' bounds, inclusive. */
export function pickGap(limits: CampaignLimits, random: () => number = Math.random): number {
  return limits.minGapMs + Math.floor(random() * (limits.maxGapMs - limits.minGapMs + 1));
}

/**
 * Whether the next message may go now, or what it waits for and until when. The
 * latest of the constraints wins, so waking up at `until` finds them all met.
 */
export function nextSlot(now: Date, limits: CampaignLimits, history: SendHistory): { code: CampaignWaitCode; until: Date } | null {
  const waits: { code: CampaignWaitCode; until: Date }[] = [];
  const quietEnd = quietHoursEnd(now, limits.quietHours);
  if (quietEnd) waits.push({ code: 'quiet_hours', until: quietEnd });
  if (history.sentLastDay >= limits.dailyCap && history.dailyCapFreesAt) waits.push({ code: 'daily_cap', until: history.dailyCapFreesAt });
  if (history.sentLastHour >= limits.hourlyCap && history.hourlyCapFreesAt) waits.push({ code: 'hourly_cap', until: history.hourlyCapFreesAt });
  if (history.lastSentAt) {
    const gapEnd = new Date(history.lastSentAt.getTime() + history.gapMs);
    if (gapEnd > now) waits.push({ code: 'gap', until: gapEnd });
  }
  let latest: { code: CampaignWaitCode; until: Date } | null = null;
  for (const wait of waits) if (wait.until > now && (!latest || wait.until > latest.until)) latest = wait;
  return latest;
}
