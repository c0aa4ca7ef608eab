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

/** When quiet hours next start at or after `at` (null without them); `at` itself when they are in force. */
export function quietHoursNextStart(at: Date, quiet: QuietHours | null): Date | null {
  if (!quiet) return null;
  if (quietHoursEnd(at, quiet)) return at;
  const { minute, second } = localClock(at, quiet.timeZone);
  const minutesLeft = (minutesOf(quiet.start) - minute + 1440) % 1440;
  return new Date(at.getTime() + minutesLeft * MINUTE_MS - second * 1000 - (at.getTime() % 1000));
}

/** What an estimate of a running campaign's finish needs. */
export interface FinishEstimateInput {
  now: Date;
  pending: number;
  limits: CampaignLimits;
  /** Recent campaign sends (ms since the epoch, oldest first): the caps count them, and their spacing is the pace. */
  recentSends: readonly number[];
  /** When the next message may go at the earliest (a gap, cap or quiet hours being waited), if later than now. */
  nextAt?: Date | null;
}

/**
 * When the last pending message will go, following the campaign's own rules: one
 * message every gap (the observed spacing of recent sends when there is one, which
 * includes the time a send takes; otherwise the middle of the gap bounds), at most
 * `hourlyCap` in any 60 minutes and `dailyCap` in any 24 hours — sends already made
 * count — and none in quiet hours. Null when it is more than a year away.
 */
export function estimateFinish(input: FinishEstimateInput): Date | null {
  const { limits, now } = input;
  if (input.pending <= 0) return now;
  const perMessage = messageSpacingMs(limits, input.recentSends);
  const times = input.recentSends.filter((t) => t > now.getTime() - DAY_MS);
  let t = Math.max(now.getTime(), input.nextAt?.getTime() ?? 0);
  const horizon = now.getTime() + 366 * DAY_MS;
  let hourFrom = 0;
  let dayFrom = 0;
  let quietStart = quietHoursNextStart(new Date(t), limits.quietHours)?.getTime() ?? Infinity;
  let last = t;
  for (let left = input.pending; left > 0; left -= 1) {
    for (;;) {
      if (t > horizon) return null;
      if (t >= quietStart) {
        t = quietHoursEnd(new Date(t), limits.quietHours)?.getTime() ?? t;
        quietStart = quietHoursNextStart(new Date(t), limits.quietHours)?.getTime() ?? Infinity;
        continue;
      }
      while (hourFrom < times.length && (times[hourFrom] ?? 0) <= t - HOUR_MS) hourFrom += 1;
      while (dayFrom < times.length && (times[dayFrom] ?? 0) <= t - DAY_MS) dayFrom += 1;
      if (times.length - hourFrom >= limits.hourlyCap) {
        t = Math.max(t, (times[times.length - limits.hourlyCap] ?? t) + HOUR_MS);
        continue;
      }
      if (times.length - dayFrom >= limits.dailyCap) {
        t = Math.max(t, (times[times.length - limits.dailyCap] ?? t) + DAY_MS);
        continue;
      }
      break;
    }
    times.push(t);
    last = t;
    t += perMessage;
  }
  return new Date(last);
}

/**
 * The time from one campaign message to the next: the mean spacing of recent sends
 * that followed each other at the campaign's pace (not across a cap or quiet hours),
 * when there are at least two; otherwise the middle of the gap bounds.
 */
export function messageSpacingMs(limits: CampaignLimits, recentSends: readonly number[]): number {
  const expected = (limits.minGapMs + limits.maxGapMs) / 2;
  const paced: number[] = [];
  for (let i = 1; i < recentSends.length; i += 1) {
    const spacing = (recentSends[i] ?? 0) - (recentSends[i - 1] ?? 0);
    if (spacing >= 0 && spacing <= limits.maxGapMs + 10_000) paced.push(spacing);
  }
  const recent = paced.slice(-20);
  if (recent.length < 2) return expected;
  return Math.max(limits.minGapMs, recent.reduce((sum, spacing) => sum + spacing, 0) / recent.length);
}
