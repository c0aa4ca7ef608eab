import { Readable } from 'node:stream';
import type { Writable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { VARIABLE_NAME_PATTERN } from '@wasla/protocol';
import { AppError } from '../../errors/app-error.js';
import { AudienceScreen } from './recipients.js';
import type { AudienceSummary, ScreenedRecipient } from './recipients.js';

/** One data row of an imported file (its `line` is always set). */
export type ParsedRecipient = ScreenedRecipient;

export interface CsvImportSummary extends AudienceSummary {
  /** The variable column names, in file order. */
  variables: string[];
}

export interface CsvImportOptions {
  /** Numbers without a country code are read as numbers of this country, e.g. 'SA'. */
  defaultCountry: string;
  /** E.164 numbers already in the campaign: counted as duplicates. */
  existing?: ReadonlySet<string>;
  /** Rows per `onBatch` call; default 1000. */
  batchSize?: number;
  /** A longer line fails the file; default 64 KiB. */
  maxLineBytes?: number;
  /** Awaited before more of the file is read. */
  onBatch(rows: ParsedRecipient[]): Promise<void>;
}

export const MAX_IMPORT_ROWS = 100_000;
const PHONE_HEADERS = ['phone', 'phone_number', 'mobile', 'number', 'whatsapp', 'msisdn', 'tel', 'رقم', 'الرقم', 'الجوال', 'جوال', 'الهاتف', 'هاتف', 'رقم الجوال'];
const NAME_HEADERS = ['name', 'full_name', 'الاسم', 'اسم'];
const QUOTE_HINT = 'Values that contain quotes, commas, semicolons or line breaks must be in double quotes, with a quote inside written as "".';
const SAVE_AS_UTF8 = 'In Excel choose File → Save As → "CSV UTF-8 (Comma delimited)" and upload that file.';

/**
 * Reads a recipient list from a CSV file as it arrives: rows go to `onBatch` in file
 * order, at most `batchSize` at a time, and the file is read no further until the batch
 * is stored. Rows with a bad or repeated number are passed on with `skip` set; anything
 * that makes the file as a whole unusable throws `AppError('invalid_csv', …, { line })`,
 * possibly after some batches were passed — run it inside a transaction. A `Readable`
 * source is never destroyed, so the caller can still answer the request.
 */
export async function importRecipientsCsv(source: Readable | AsyncIterable<Buffer | string>, options: CsvImportOptions): Promise<CsvImportSummary> {
  const batchSize = options.batchSize ?? 1000;
  const maxLineBytes = options.maxLineBytes ?? 64 * 1024;
  if (!(batchSize >= 1) || !(maxLineBytes >= 1)) throw new RangeError('batchSize and maxLineBytes must be at least 1');
  const text = utf8Text(source, maxLineBytes);
  try {
    // The delimiter is decided by the header line, so read up to its end first.
    let head = '';
    while (!/[\r\n]/.test(head.trimStart()) && head.length <= maxLineBytes) {
      const next = await text.next();
      if (next.done) break;
      head += next.value;
    }
    const delimiter = detectDelimiter(head);
    const reader = new RecipientReader(options.defaultCountry, options.existing ?? new Set(), delimiter);
    const parser = parse({
      delimiter,
      record_delimiter: ['\r\n', '\n', '\r'],
      relax_column_count: true, // checked by the reader, which knows the real line numbers
      relax_quotes: true,
      trim: true,
      max_record_size: maxLineBytes,
      // Rows are read here, synchronously and in file order, not from the readable side.
      on_record: (cells: string[]) => reader.read(cells),
    });
    // Errors arrive through the write and end callbacks; the event would otherwise crash.
    parser.on('error', () => undefined);
    const flush = async (all: boolean): Promise<void> => {
      while (reader.pending.length >= (all ? 1 : batchSize)) await options.onBatch(reader.pending.splice(0, batchSize));
    };
    try {
      await write(parser, head);
      await flush(false);
      for (let next = await text.next(); !next.done; next = await text.next()) {
        await write(parser, next.value);
        await flush(false);
      }
      await new Promise<void>((resolve, reject) => parser.end((error?: Error | null) => (error ? reject(error) : resolve())));
    } catch (error) {
      throw error instanceof CsvError ? reader.parseError(error) : error;
    }
    await flush(true);
    return reader.summary();
  } finally {
    await text.return(undefined);
  }
}

function write(parser: Writable, chunk: string): Promise<void> {
  return new Promise((resolve, reject) => parser.write(chunk, (error) => (error ? reject(error) : resolve())));
}

/** The file's text, checked to be UTF-8 (BOM dropped) and to have no line over `maxLineBytes`. */
async function* utf8Text(source: Readable | AsyncIterable<Buffer | string>, maxLineBytes: number): AsyncGenerator<string, void, undefined> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const lines = new LineLimit(maxLineBytes);
  const signature: number[] = [];
  const chunks: AsyncIterable<Buffer | string> = source instanceof Readable ? source.iterator({ destroyOnReturn: false }) : source;
  for await (const chunk of chunks) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    for (let i = 0; signature.length < 4 && i < bytes.length; i += 1) signature.push(bytes[i]!);
    const lineBefore = lines.line;
    lines.feed(bytes);
    let decoded: string;
    try {
      decoded = decoder.decode(bytes, { stream: true });
    } catch {
      throw encodingError(signature, lineBefore + countLineBreaks(badPrefix(bytes)));
    }
    if (decoded) yield decoded;
  }
  let rest: string;
  try {
    rest = decoder.decode();
  } catch {
    throw encodingError(signature, lines.line);
  }
  if (rest) yield rest;
}

/** The text of `bytes` before its first invalid UTF-8 sequence. */
function badPrefix(bytes: Uint8Array): string {
  const lenient = new TextDecoder('utf-8').decode(bytes);
  const bad = lenient.indexOf('\uFFFD');
  return bad === -1 ? lenient : lenient.slice(0, bad);
}

function encodingError(signature: number[], line: number): AppError {
  const [first, second, third, fourth] = signature;
  if ((first === 0xff && second === 0xfe) || (first === 0xfe && second === 0xff)) {
    return invalidCsv(`The file is saved as UTF-16 ("Unicode Text"), not as CSV UTF-8. ${SAVE_AS_UTF8}`, 1);
  }
  if (first === 0x50 && second === 0x4b && third === 0x03 && fourth === 0x04) {
    return invalidCsv(`This is an Excel workbook (.xlsx), not a CSV file. ${SAVE_AS_UTF8}`, null);
  }
  return invalidCsv(`Line ${line} has characters that are not UTF-8 — the file was saved in another encoding. Save it as CSV UTF-8: ${SAVE_AS_UTF8}`, line);
}

/** Counts lines in raw bytes (CRLF, LF or CR) and fails as soon as one passes the limit. */
class LineLimit {
  /** The line the next byte belongs to. */
  line = 1;
  private length = 0;
  private endedWithCR = false;

  constructor(private readonly max: number) {}

  feed(bytes: Uint8Array): void {
    let start = 0;
    let lf = bytes.indexOf(0x0a);
    let cr = bytes.indexOf(0x0d);
    while (lf !== -1 || cr !== -1) {
      const at = cr === -1 || (lf !== -1 && lf < cr) ? lf : cr;
      this.check(this.length + at - start);
      const secondHalfOfCRLF = at === lf && (at > 0 ? bytes[at - 1] === 0x0d : this.endedWithCR);
      if (!secondHalfOfCRLF) this.line += 1;
      this.length = 0;
      start = at + 1;
      if (at === lf) lf = bytes.indexOf(0x0a, start);
      else cr = bytes.indexOf(0x0d, start);
    }
    this.length += bytes.length - start;
    this.check(this.length);
    if (bytes.length > 0) this.endedWithCR = bytes[bytes.length - 1] === 0x0d;
  }

  private check(length: number): void {
    if (length > this.max) {
      throw invalidCsv(`Line ${this.line} is longer than ${formatSize(this.max)}. A recipient list has short lines — check that this is the right file.`, this.line);
    }
  }
}

interface Columns {
  width: number;
  phone: number;
  name: number | null;
  variables: { index: number; name: string }[];
}

/** Turns records into recipients, in file order, keeping the counts and the line numbers. */
class RecipientReader {
  readonly pending: ParsedRecipient[] = [];
  private columns: Columns | null = null;
  /** The last line of the last record read. csv-parse's own count takes a CRLF inside quotes for two lines. */
  private line = 0;
  private readonly screen: AudienceScreen;

  constructor(
    defaultCountry: string,
    existing: ReadonlySet<string>,
    private readonly delimiter: ',' | ';',
  ) {
    this.screen = new AudienceScreen(defaultCountry, existing, (line) => `line ${line}`);
  }

  /** Called by csv-parse for every record; returns null so that nothing is queued in the stream. */
  read(cells: string[]): null {
    const start = this.line + 1;
    this.line = start + cells.reduce((sum, cell) => sum + countLineBreaks(cell), 0);
    checkStorable(cells, start);
    if (cells.every((cell) => cell.trim() === '')) return null;
    if (!this.columns) {
      this.columns = readHeader(cells, start);
      return null;
    }
    if (cells.length !== this.columns.width) {
      const separator = this.delimiter === ',' ? 'comma' : 'semicolon';
      throw invalidCsv(`Line ${start} has ${cells.length} columns but the header has ${this.columns.width}. A value that contains a ${separator} must be in double quotes.`, start);
    }
    if (this.screen.rows >= MAX_IMPORT_ROWS) {
      throw invalidCsv(`The file has more than ${MAX_IMPORT_ROWS.toLocaleString('en-US')} recipients. Split it into files of at most ${MAX_IMPORT_ROWS.toLocaleString('en-US')} rows.`, start);
    }
    this.pending.push(this.recipient(cells, this.columns, start));
    return null;
  }

  private recipient(cells: string[], columns: Columns, line: number): ParsedRecipient {
    const cell = (index: number): string => (cells[index] ?? '').trim();
    const name = columns.name === null ? '' : cell(columns.name);
    const variables = Object.fromEntries(columns.variables.map((variable) => [variable.name, cell(variable.index)]));
    return this.screen.screen(cell(columns.phone), line, { line, name: name || null, variables });
  }

  parseError(error: CsvError): AppError {
    const line = this.line + 1;
    switch (error.code) {
      case 'CSV_QUOTE_NOT_CLOSED':
        return invalidCsv(`A quote (") on line ${line} is never closed. ${QUOTE_HINT}`, line);
      case 'CSV_MAX_RECORD_SIZE':
        return invalidCsv(`The row starting on line ${line} is too long — a quote (") in it is probably never closed. ${QUOTE_HINT}`, line);
      case 'CSV_INVALID_CLOSING_QUOTE':
      case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      case 'INVALID_OPENING_QUOTE':
        return invalidCsv(`Line ${line} has a misplaced quote ("). ${QUOTE_HINT}`, line);
      default:
        return invalidCsv(`Line ${line} could not be read as CSV (${error.message}).`, line);
    }
  }

  summary(): CsvImportSummary {
    if (!this.columns) throw invalidCsv('The file is empty. Upload a CSV file with a header row (for example phone,name) and one recipient per line.', null);
    if (this.screen.rows === 0) throw invalidCsv('The file has a header row but no recipients below it.', null);
    return { ...this.screen.summary(), variables: this.columns.variables.map((variable) => variable.name) };
  }
}

/**
 * PostgreSQL's text can't hold U+0000 (SQLite can): the file fails, naming the line, so
 * both databases answer alike. The other unstorable text, an unpaired surrogate, has no
 * UTF-8 form and was already refused by the decoder.
 */
function checkStorable(cells: string[], start: number): void {
  let line = start;
  for (const cell of cells) {
    const at = cell.indexOf('\0');
    if (at !== -1) {
      line += countLineBreaks(cell.slice(0, at));
      throw invalidCsv(`Line ${line} contains a NUL character (U+0000), which can't be stored. The file may not be a text CSV file; remove the character or save the file again as CSV UTF-8.`, line);
    }
    line += countLineBreaks(cell);
  }
}

function readHeader(cells: string[], line: number): Columns {
  const headers = cells.map((cell) => cell.trim());
  const keys = headers.map(headerKey);
  const find = (names: string[], except: number): number => {
    for (const name of names) {
      const index = keys.findIndex((key, i) => key === headerKey(name) && i !== except);
      if (index !== -1) return index;
    }
    return -1;
  };
  const phone = find(PHONE_HEADERS, -1);
  if (phone === -1) {
    const found = headers.slice(0, 20).map((header) => `"${header.slice(0, 40)}"`).join(', ') + (headers.length > 20 ? ', …' : '');
    throw invalidCsv(`No phone number column was found. The columns in the file are: ${found}. Name the column with the numbers one of: ${PHONE_HEADERS.join(', ')}.`, line);
  }
  const name = find(NAME_HEADERS, phone);
  const variables: Columns['variables'] = [];
  const columnOf = new Map<string, number>();
  headers.forEach((header, index) => {
    if (index === phone || index === name) return;
    const column = `Column ${columnLetter(index)}`;
    if (header === '') throw invalidCsv(`${column} has no name in the header row. Give it a name or delete the column.`, line);
    const variable = VARIABLE_NAME_PATTERN.test(header) ? header : header.replace(/[\s-]+/g, '_');
    if (!VARIABLE_NAME_PATTERN.test(variable)) {
      throw invalidCsv(`${column} ("${header.slice(0, 40)}") can't be used as a variable name: use letters, digits and _ only, not starting with a digit.`, line);
    }
    const other = columnOf.get(variable);
    if (other !== undefined) throw invalidCsv(`Columns ${columnLetter(other)} and ${columnLetter(index)} are both named "${variable}". Give each column its own name.`, line);
    columnOf.set(variable, index);
    variables.push({ index, name: variable });
  });
  return { width: cells.length, phone, name: name === -1 ? null : name, variables };
}

/** 'Phone Number', 'phone_number' and 'phone-number' are the same header. */
function headerKey(header: string): string {
  return header.trim().toLowerCase().replace(/[\s_-]+/g, '');
}

/** The delimiter used more often outside quotes on the header line: `;` from Excel in many locales. */
function detectDelimiter(head: string): ',' | ';' {
  const header = head.trimStart().split(/[\r\n]/, 1)[0] ?? '';
  let commas = 0;
  let semicolons = 0;
  let quoted = false;
  for (const char of header) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && char === ',') commas += 1;
    else if (!quoted && char === ';') semicolons += 1;
  }
  return semicolons > commas ? ';' : ',';
}

function countLineBreaks(text: string): number {
  if (!text.includes('\n') && !text.includes('\r')) return 0;
  return text.match(/\r\n|\r|\n/g)?.length ?? 0;
}

/** As spreadsheets name columns: A … Z, AA … */
function columnLetter(index: number): string {
  let letters = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

function formatSize(bytes: number): string {
  return bytes >= 1024 && bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes.toLocaleString('en-US')} bytes`;
}

function invalidCsv(message: string, line: number | null): AppError {
  return new AppError('invalid_csv', message, { line });
}
