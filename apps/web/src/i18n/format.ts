import type { Locale } from './locales';

/** Dates, times, numbers and "in 5 seconds" for one locale, all through `Intl`. */
export interface Formatters {
  dateTime(value: string | number | Date): string;
  time(value: string | number | Date): string;
  number(value: number): string;
  /** `target` relative to `now` (both epoch ms): "in 5 seconds", "3 minutes ago", "now". */
  relative(target: number, now: number): string;
  /** A country's name, e.g. "Saudi Arabia" / "السعودية". */
  region(code: string): string;
  /** A fraction as a percentage: 0.425 → "43%" (one decimal below 10%). */
  percent(fraction: number): string;
  /** A calendar day given as YYYY-MM-DD: "12 Jan" (with the year when `withYear`). */
  day(day: string, withYear?: boolean): string;
  /** A time of day without seconds: "09:00" or "9:00 AM". */
  shortTime(value: string | number | Date): string;
  /** A moment to come: the time alone when it is today, else the date and time. */
  upcoming(value: string | number | Date, now: number): string;
  /** A length of time in its largest sensible unit: "45 seconds", "12 minutes", "2.5 hours". */
  duration(seconds: number): string;
  /** "a, b and c" / "a وb وc". */
  list(items: string[]): string;
  /** A date and time to the second, for records where seconds matter (timeline, message log). */
  preciseDateTime(value: string | number | Date): string;
  /** A moment past, to the second: the time alone when it is today, else the date and time. */
  moment(value: string | number | Date, now: number): string;
  /** A time of day in another time zone, naming it: "9:00 AM GMT+3". */
  zonedTime(value: string | number | Date, timeZone: string): string;
  /** A wall-clock time (HH:MM) of a day in `timeZone` as the viewer's own time of day then, e.g. "21:00" in Riyadh → "6:00 PM". */
  wallTimeHere(time: string, timeZone: string, on?: number): string;
}

/** The viewer's IANA time zone, e.g. `Asia/Riyadh`. */
export function viewerTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** Whether two IANA zones keep the same clock now (UTC and Etc/UTC; Asia/Riyadh and Asia/Kuwait). */
export function sameClock(a: string, b: string, at = Date.now()): boolean {
  if (a === b) return true;
  const clock = (timeZone: string) => new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'short', timeStyle: 'short' }).format(at);
  try {
    return clock(a) === clock(b);
  } catch {
    return false;
  }
}

/** The instant the wall clock in `timeZone` shows `time` (HH:MM) on the day `at` falls on there. */
function instantOfWallTime(time: string, timeZone: string, at: number): number {
  const [hours = 0, minutes = 0] = time.split(':').map(Number);
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(at);
  const get = (type: string) => Number(parts.find((part) => part.type === type)?.value ?? 0);
  const wallNow = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  const offset = wallNow - (at - (at % 1000));
  return Date.UTC(get('year'), get('month') - 1, get('day'), hours, minutes) - offset;
}

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
];

export function createFormatters(locale: Locale): Formatters {
  const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  const time = new Intl.DateTimeFormat(locale, { timeStyle: 'medium' });
  const preciseDateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' });
  const number = new Intl.NumberFormat(locale);
  const relative = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const regions = new Intl.DisplayNames([locale], { type: 'region' });
  const smallPercent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
  const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 });
  // Days are calendar dates, not instants: format them in UTC so no time zone moves them.
  const day = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', timeZone: 'UTC' });
  const dayWithYear = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
  const shortTime = new Intl.DateTimeFormat(locale, { timeStyle: 'short' });
  const list = new Intl.ListFormat(locale, { type: 'conjunction' });
  const sameDay = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit' });
  const units = {
    second: new Intl.NumberFormat(locale, { style: 'unit', unit: 'second', unitDisplay: 'long', maximumFractionDigits: 0 }),
    minute: new Intl.NumberFormat(locale, { style: 'unit', unit: 'minute', unitDisplay: 'long', maximumFractionDigits: 0 }),
    hour: new Intl.NumberFormat(locale, { style: 'unit', unit: 'hour', unitDisplay: 'long', maximumFractionDigits: 1 }),
    day: new Intl.NumberFormat(locale, { style: 'unit', unit: 'day', unitDisplay: 'long', maximumFractionDigits: 1 }),
  };
  const toDate = (value: string | number | Date): Date => (value instanceof Date ? value : new Date(value));

  return {
    dateTime: (value) => dateTime.format(toDate(value)),
    time: (value) => time.format(toDate(value)),
    number: (value) => number.format(value),
    relative(target, now) {
      const seconds = Math.round((target - now) / 1000);
      const size = Math.abs(seconds);
      for (const [unit, length] of UNITS) {
        if (size >= length) return relative.format(Math.round(seconds / length), unit);
      }
      return relative.format(seconds, 'second');
    },
    region: (code) => regions.of(code) ?? code,
    percent: (fraction) => (fraction > 0 && fraction < 0.1 ? smallPercent : percent).format(fraction),
    day: (value, withYear = false) => (withYear ? dayWithYear : day).format(new Date(`${value}T00:00:00Z`)),
    shortTime: (value) => shortTime.format(toDate(value)),
    upcoming(value, now) {
      const date = toDate(value);
      return sameDay.format(date) === sameDay.format(new Date(now)) ? shortTime.format(date) : dateTime.format(date);
    },
    duration(seconds) {
      const size = Math.max(0, seconds);
      if (size < 90) return units.second.format(Math.round(size));
      if (size < 90 * 60) return units.minute.format(Math.round(size / 60));
      if (size < 48 * 3600) return units.hour.format(Math.round(size / 360) / 10);
      return units.day.format(Math.round(size / 8640) / 10);
    },
    list: (items) => list.format(items),
    preciseDateTime: (value) => preciseDateTime.format(toDate(value)),
    moment(value, now) {
      const date = toDate(value);
      return sameDay.format(date) === sameDay.format(new Date(now)) ? time.format(date) : preciseDateTime.format(date);
    },
    zonedTime: (value, timeZone) => new Intl.DateTimeFormat(locale, { timeStyle: 'short', timeZone }).format(toDate(value)) + ' ' + zoneLabel(timeZone, toDate(value)),
    wallTimeHere: (value, timeZone, on = Date.now()) => shortTime.format(new Date(instantOfWallTime(value, timeZone, on))),
  };

  /** The zone as the locale names it briefly: "GMT+3", "UTC" (`timeStyle` can't be combined with `timeZoneName`). */
  function zoneLabel(timeZone: string, at: Date): string {
    const part = new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: 'short' }).formatToParts(at).find((p) => p.type === 'timeZoneName');
    return part?.value ?? timeZone;
  }
}
