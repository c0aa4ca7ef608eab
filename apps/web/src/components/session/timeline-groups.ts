import type { SessionTransition } from '@wasla/protocol';

/**
 * One line of the timeline: a transition, or a cycle of them that repeated back to back
 * (during an outage: "Connecting → Reconnecting, Reconnecting → Connecting", every few
 * seconds), told once with how often and over what span.
 */
export interface TimelineGroup {
  /** The cycle, newest transition first, as it happened the last time. */
  readonly items: readonly SessionTransition[];
  /** How many times the cycle happened in a row (1: it didn't repeat). */
  readonly count: number;
  /** When its oldest repetition began (`at` of its oldest transition). */
  readonly firstAt: string;
  /** When its newest repetition ended (`at` of its newest transition). */
  readonly lastAt: string;
}

/** The cycle lengths looked for: one transition repeating, or a pair going back and forth. */
const PERIODS = [1, 2] as const;

function sameKind(a: SessionTransition, b: SessionTransition): boolean {
  return a.from === b.from && a.to === b.to && a.event === b.event && a.errorCode === b.errorCode;
}

/** How many times the `period` transitions at `start` repeat back to back. */
function repeats(items: readonly SessionTransition[], start: number, period: number): number {
  let count = 1;
  for (let next = start + period; next + period <= items.length; next += period) {
    for (let offset = 0; offset < period; offset += 1) {
      if (!sameKind(items[start + offset]!, items[next + offset]!)) return count;
    }
    count += 1;
  }
  return count;
}

/**
 * Groups transitions (newest first, as the API lists them) so repeats take one line each.
 * Pure and order-keeping: reading the groups' items in order, each repeated `count`
 * times, gives the transitions back.
 */
export function groupTransitions(items: readonly SessionTransition[]): TimelineGroup[] {
  const groups: TimelineGroup[] = [];
  let index = 0;
  while (index < items.length) {
    let period = 1;
    let count = 1;
    for (const candidate of PERIODS) {
      if (index + candidate * 2 > items.length) break;
      const found = repeats(items, index, candidate);
      if (found >= 2) {
        period = candidate;
        count = found;
        break;
      }
    }
    const end = index + period * count;
    groups.push({ items: items.slice(index, index + period), count, firstAt: items[end - 1]!.at, lastAt: items[index]!.at });
    index = end;
  }
  return groups;
}
