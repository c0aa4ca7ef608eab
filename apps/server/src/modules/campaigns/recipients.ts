import { VARIABLE_NAME_PATTERN } from '@wasla/protocol';
import type { ImportProblem, RecipientInput } from '@wasla/protocol';
import { AppError, isAppError } from '../../errors/app-error.js';
import { normalizePhone } from '../../phone/phone-number.js';
import type { NewRecipient } from './recipients-repository.js';

/** One recipient as read from a file or a request. With `skip` set it is stored as skipped. */
export interface ScreenedRecipient {
  /** The line in the file where the record starts (header = line 1); null when not from a file. */
  line: number | null;
  /** E.164 when valid, else the trimmed text given. */
  phone: string;
  name: string | null;
  variables: Record<string, string>;
  skip: 'invalid' | 'duplicate' | null;
  /** A sentence for people when `skip` is set. */
  error: string | null;
}

/** Counts and problems of an audience, as an import answers them. */
export interface AudienceSummary {
  rows: number;
  accepted: number;
  invalid: number;
  duplicates: number;
  /** The first 1000 rows with problems, in order. */
  problems: ImportProblem[];
}

const MAX_PROBLEMS = 1000;

/**
 * Checks an audience row by row, the same way for a CSV file and for JSON: numbers
 * normalised to E.164 with the default country, an invalid number or a repeat (of an
 * earlier row, or of a number already in the campaign) kept as skipped with the reason.
 */
export class AudienceScreen {
  private readonly seen = new Map<string, number>();
  private readonly counts = { rows: 0, accepted: 0, invalid: 0, duplicates: 0 };
  private readonly problems: ImportProblem[] = [];

  /** `place(n)` names the n-th row in a sentence: "line 3", "recipient 3". */
  constructor(
    private readonly defaultCountry: string,
    private readonly existing: ReadonlySet<string>,
    private readonly place: (position: number) => string,
  ) {}

  get rows(): number {
    return this.counts.rows;
  }

  screen(raw: string, position: number, row: { line: number | null; name: string | null; variables: Record<string, string> }): ScreenedRecipient {
    this.counts.rows += 1;
    const given = { ...row, phone: raw };
    if (raw === '') return this.skipped(given, 'invalid', 'The phone number is empty.');
    let e164: string;
    try {
      e164 = normalizePhone(raw, this.defaultCountry).e164;
    } catch (error) {
      if (!isAppError(error) || error.code !== 'invalid_phone_number') throw error;
      const excel = /^\d(\.\d+)?e\+\d+$/i.test(raw) ? ' Excel turned it into a rounded number: format the phone column as Text and export the file again.' : '';
      return this.skipped(given, 'invalid', `${error.message}${excel}`);
    }
    const valid = { ...row, phone: e164 };
    if (this.existing.has(e164)) return this.skipped(valid, 'duplicate', 'This number is already in the campaign.');
    const first = this.seen.get(e164);
    if (first !== undefined) return this.skipped(valid, 'duplicate', `Same number as ${this.place(first)}.`);
    this.seen.set(e164, position);
    this.counts.accepted += 1;
    return { ...valid, skip: null, error: null };
  }

  summary(): AudienceSummary {
    return { ...this.counts, problems: this.problems };
  }

  private skipped(row: Omit<ScreenedRecipient, 'skip' | 'error'>, skip: 'invalid' | 'duplicate', error: string): ScreenedRecipient {
    this.counts[skip === 'invalid' ? 'invalid' : 'duplicates'] += 1;
    if (this.problems.length < MAX_PROBLEMS) this.problems.push({ line: row.line, code: skip, message: error, phone: row.phone || null });
    return { ...row, skip, error };
  }
}

/** A screened row as the repository stores it. */
export function toNewRecipient(row: ScreenedRecipient): NewRecipient {
  return { phone: row.phone, name: row.name, variables: row.variables, line: row.line, status: row.skip ? 'skipped' : 'pending', reason: row.skip, error: row.error };
}

/**
 * Recipients given as JSON (the API's `recipients`), checked like a CSV file's rows. A
 * variable name that can't be used in a template refuses the whole list.
 */
export function recipientsFromJson(inputs: RecipientInput[], defaultCountry: string, existing: ReadonlySet<string>): { rows: NewRecipient[]; summary: AudienceSummary; variables: string[] } {
  const screen = new AudienceScreen(defaultCountry, existing, (n) => `recipient ${n}`);
  const variables = new Set<string>();
  const rows = inputs.map((input, index) => {
    const { phone, name, ...rest } = input;
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(rest)) {
      if (!VARIABLE_NAME_PATTERN.test(key)) {
        throw new AppError('validation_failed', `recipients[${index}]: "${key}" can't be a variable name: use letters, digits and _ only.`, { field: `recipients.${index}` });
      }
      values[key] = String(value);
      variables.add(key);
    }
    return toNewRecipient(screen.screen(phone.trim(), index + 1, { line: null, name: name?.trim() || null, variables: values }));
  });
  return { rows, summary: screen.summary(), variables: [...variables] };
}
