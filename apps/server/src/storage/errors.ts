import { AppError } from '../errors/app-error.js';

/**
 * A write collided with a unique key (an email already taken, a message id already
 * stored). It is an `AppError` with code `duplicate`, so when nobody catches it the
 * API answers 409 with `message`, which is written for the person using the API.
 */
export class DuplicateError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('duplicate', message, undefined, options);
    this.name = 'DuplicateError';
  }
}

// SQLite's extended result codes for the two kinds of unique key; PostgreSQL reports
// both as SQLSTATE 23505 (unique_violation).
const SQLITE_UNIQUE_CODES = new Set(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);
const PG_UNIQUE_VIOLATION = '23505';

/** True when a driver error (better-sqlite3 or pg) is a unique-key violation. */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('code' in error)) return false;
  const { code } = error;
  return typeof code === 'string' && (SQLITE_UNIQUE_CODES.has(code) || code === PG_UNIQUE_VIOLATION);
}

/** Runs a write and turns a unique-key violation into a `DuplicateError` with `message`. */
export async function rejectDuplicates<T>(write: () => Promise<T>, message: string): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error)) throw new DuplicateError(message, { cause: error });
    throw error;
  }
}
