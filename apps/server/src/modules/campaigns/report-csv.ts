import { stringify } from 'csv-stringify';
import type { CastReturnObject, Stringifier } from 'csv-stringify';
import type { Campaign, Recipient } from '@wasla/protocol';

/**
 * The cells csv-stringify's `escape_formulas` neutralises: those a spreadsheet would run
 * as a formula (OWASP's = + - @ tab CR, and the full-width forms Apple Numbers folds to
 * them). They are quoted as well, so each stays one text cell.
 */
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

/**
 * A phone number Wasla checked and normalised: '+' and digits only. Such a cell is left
 * as it is: '+' followed by digits is at most a number to a spreadsheet, never a
 * formula that runs or links anywhere, and a quote in front of it would change every
 * phone cell of every report (and stop the column matching the numbers people import).
 * A number that was not valid is written as given, so it is neutralised like any text.
 */
const E164 = /^\+[1-9]\d{1,14}$/;

const FIXED_COLUMNS = ['seq', 'phone', 'name', 'status', 'reason', 'error', 'sent_at', 'updated_at', 'message_id', 'line'];
const PHONE_COLUMN = FIXED_COLUMNS.indexOf('phone');

/**
 * Every recipient of a campaign with its final status, as CSV for a spreadsheet:
 * UTF-8 with a BOM (so Excel reads Arabic), then the audience's own columns (`columns`,
 * in the file's order; the variables the template uses are among them), and no cell a
 * spreadsheet would run as a formula — the audience's columns included.
 */
export function recipientReportCsv(campaign: Campaign, pages: AsyncIterable<Recipient[]>, columns: readonly string[] = []): Stringifier {
  const variables = [...new Set([...columns, ...campaign.variables])].filter((variable) => variable !== 'name' && variable !== 'phone');
  const csv = stringify({
    header: true,
    columns: [...FIXED_COLUMNS, ...variables],
    bom: true,
    escape_formulas: true,
    quoted_match: FORMULA_START,
    cast: { string: keepCheckedPhones },
  });
  void (async () => {
    for await (const page of pages) {
      for (const r of page) {
        const row: unknown[] = [r.seq, r.phone, r.name ?? '', r.status, r.reason ?? '', r.error ?? '', r.sentAt ?? '', r.updatedAt, r.messageId ?? '', r.line ?? ''];
        for (const variable of variables) row.push(r.variables[variable] ?? '');
        if (!csv.write(row)) await new Promise((resolve) => csv.once('drain', resolve));
      }
    }
    csv.end();
  })().catch((error: unknown) => csv.destroy(error instanceof Error ? error : new Error(String(error))));
  return csv;
}

function keepCheckedPhones(value: string, context: { column?: number | string; header: boolean }): string | CastReturnObject {
  if (context.header || context.column !== PHONE_COLUMN || !E164.test(value)) return value;
  // @ts-expect-error csv-stringify applies any option returned by a cast (normalize_options), but its CastReturnObject type omits escape_formulas.
  return { value, escape_formulas: false, quoted_match: null };
}
