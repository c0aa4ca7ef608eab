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
}

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
];

export function createFormatters(locale: Locale): Formatters {
  const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  const time = new Intl.DateTimeFormat(locale, { timeStyle: 'medium' });
  const number = new Intl.NumberFormat(locale);
  const relative = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const regions = new Intl.DisplayNames([locale], { type: 'region' });
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
  };
}
