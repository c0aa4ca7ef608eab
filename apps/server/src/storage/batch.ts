/**
 * Both databases cap the number of bound parameters in one statement (SQLite 32,766,
 * PostgreSQL 65,535), so long `IN (…)` lists and multi-row inserts go in slices.
 */
export const MAX_ROWS_PER_STATEMENT = 500;

/** Splits `items` into consecutive slices of at most `size` items. */
export function chunk<T>(items: readonly T[], size = MAX_ROWS_PER_STATEMENT): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be a positive integer, got ${size}`);
  const slices: T[][] = [];
  for (let start = 0; start < items.length; start += size) slices.push(items.slice(start, start + size));
  return slices;
}
