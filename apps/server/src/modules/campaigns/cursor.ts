import { AppError } from '../../errors/app-error.js';
import { LARGEST_INTEGER, unstorableCharacter } from '../../http/storable-text.js';

/** Opaque page cursors: a position as JSON in base64url, so its shape can change. */
export function encodeCursor(parts: (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export function decodeCursor<T extends unknown[]>(cursor: string, check: (value: unknown[]) => value is T): T {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(decoded) && decoded.every(comparable) && check(decoded)) return decoded;
  } catch {
    // Falls through to the same answer as a well-formed but wrong cursor.
  }
  throw new AppError('bad_request', 'The cursor is not valid; ask for the first page again.');
}

/**
 * A part the database can compare with a column: text it can store, or a number an
 * `integer` column holds. Anything else was not written by `encodeCursor`, and would
 * make PostgreSQL fail the query where SQLite answers.
 */
function comparable(part: unknown): boolean {
  if (typeof part === 'string') return unstorableCharacter(part) === null;
  return Number.isInteger(part) && Math.abs(part as number) <= LARGEST_INTEGER;
}
