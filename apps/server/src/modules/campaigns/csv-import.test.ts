import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { AppError } from '../../errors/app-error.js';
import { importRecipientsCsv } from './csv-import.js';
import type { CsvImportSummary, ParsedRecipient } from './csv-import.js';

type Source = string | Buffer | Readable | AsyncIterable<Buffer | string>;
type Options = { existing?: ReadonlySet<string>; batchSize?: number; maxLineBytes?: number };

const toSource = (input: Source): Readable | AsyncIterable<Buffer | string> => (typeof input === 'string' || Buffer.isBuffer(input) ? Readable.from([Buffer.from(input)]) : input);

async function importCsv(input: Source, options: Options = {}): Promise<{ summary: CsvImportSummary; rows: ParsedRecipient[]; batches: number[] }> {
  const rows: ParsedRecipient[] = [];
  const batches: number[] = [];
  const summary = await importRecipientsCsv(toSource(input), {
    defaultCountry: 'SA',
    ...options,
    onBatch: async (batch) => {
      batches.push(batch.length);
      rows.push(...batch);
    },
  });
  return { summary, rows, batches };
}

/** The file error an import fails with, as `{ message, line }`. */
async function fileError(input: Source, options: Options = {}): Promise<{ message: string; line: unknown }> {
  try {
    await importCsv(input, options);
  } catch (error) {
    assert.ok(error instanceof AppError, `expected an AppError, got ${String(error)}`);
    assert.equal(error.code, 'invalid_csv');
    assert.equal(error.statusCode, 400);
    return { message: error.message, line: (error.details as { line: unknown }).line };
  }
  assert.fail('the import did not fail');
}

const ok = (line: number, phone: string, name: string | null, variables: Record<string, string> = {}): ParsedRecipient => ({ line, phone, name, variables, skip: null, error: null });
const quoteHint = 'Values that contain quotes, commas, semicolons or line breaks must be in double quotes, with a quote inside written as "".';
const saveAs = 'In Excel choose File → Save As → "CSV UTF-8 (Comma delimited)" and upload that file.';

describe('importRecipientsCsv: reading good files', () => {
  test('phone, name and variables; Arabic names; headers that need an underscore', async () => {
    const csv = 'Phone Number,Name,city,order id\n0501234567,أحمد علي,الرياض,A-1\n+966 55 123 4567,  Sara  ,Jeddah,\n';
    const { summary, rows, batches } = await importCsv(csv);
    assert.deepEqual(rows, [
      ok(2, '+966501234567', 'أحمد علي', { city: 'الرياض', order_id: 'A-1' }),
      ok(3, '+966551234567', 'Sara', { city: 'Jeddah', order_id: '' }),
    ]);
    assert.deepEqual(summary, { rows: 2, accepted: 2, invalid: 0, duplicates: 0, variables: ['city', 'order_id'], problems: [] });
    assert.deepEqual(batches, [2]);
  });

  test('Arabic headers and Arabic-Indic digits; no name column', async () => {
    const { summary, rows } = await importCsv('المدينة,رقم الجوال\nالدمام,٠٥٠١٢٣٤٥٦٧\n');
    assert.deepEqual(rows, [ok(2, '+966501234567', null, { المدينة: 'الدمام' })]);
    assert.deepEqual(summary.variables, ['المدينة']);
  });

  test('a ; delimiter is detected from the header (a comma is then part of a value)', async () => {
    const { summary, rows } = await importCsv('mobile;full_name;amount\r\n0501234567;Ali;"1,5"\r\n0501234568;Omar;2,75\r\n');
    assert.deepEqual(rows, [ok(2, '+966501234567', 'Ali', { amount: '1,5' }), ok(3, '+966501234568', 'Omar', { amount: '2,75' })]);
    assert.deepEqual(summary.variables, ['amount']);
  });

  test('a UTF-8 BOM is dropped, even split across chunks', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('phone,name\n0501234567,Ali\n')]);
    async function* chunks(): AsyncGenerator<Buffer> {
      yield bytes.subarray(0, 1);
      yield bytes.subarray(1, 2);
      yield bytes.subarray(2);
    }
    const { rows } = await importCsv(chunks());
    assert.deepEqual(rows, [ok(2, '+966501234567', 'Ali')]);
    assert.deepEqual((await importCsv(bytes)).rows, [ok(2, '+966501234567', 'Ali')]);
  });

  test('a multi-byte character split between chunks is read whole', async () => {
    const bytes = Buffer.from('phone,name\n0501234567,سارة\n');
    const at = bytes.indexOf(Buffer.from('ا')) + 1;
    async function* chunks(): AsyncGenerator<Buffer> {
      yield bytes.subarray(0, at);
      yield bytes.subarray(at);
    }
    assert.deepEqual((await importCsv(chunks())).rows, [ok(2, '+966501234567', 'سارة')]);
  });

  test('duplicates within the file and against the campaign still reach onBatch, marked', async () => {
    const csv = 'phone,name\n0501234567,A\n+966501234567,B\n0551234567,C\n00966501234567,D\n0551234567,E\n';
    const { summary, rows } = await importCsv(csv, { existing: new Set(['+966551234567']) });
    const duplicate = (line: number, name: string, error: string): ParsedRecipient => ({ line, phone: line === 4 || line === 6 ? '+966551234567' : '+966501234567', name, variables: {}, skip: 'duplicate', error });
    assert.deepEqual(rows, [
      ok(2, '+966501234567', 'A'),
      duplicate(3, 'B', 'Same number as line 2.'),
      duplicate(4, 'C', 'This number is already in the campaign.'),
      duplicate(5, 'D', 'Same number as line 2.'),
      duplicate(6, 'E', 'This number is already in the campaign.'),
    ]);
    assert.deepEqual(summary, {
      rows: 5,
      accepted: 1,
      invalid: 0,
      duplicates: 4,
      variables: [],
      problems: [
        { line: 3, code: 'duplicate', message: 'Same number as line 2.', phone: '+966501234567' },
        { line: 4, code: 'duplicate', message: 'This number is already in the campaign.', phone: '+966551234567' },
        { line: 5, code: 'duplicate', message: 'Same number as line 2.', phone: '+966501234567' },
        { line: 6, code: 'duplicate', message: 'This number is already in the campaign.', phone: '+966551234567' },
      ],
    });
  });

  test('invalid numbers are kept with the reason and their line; blank lines are skipped but counted', async () => {
    const csv = 'phone,name,city\n0501234567,A,x\n\n,B,y\n  abc ,C,z\n,,\n   \n12345,D,w\n9.66501E+11,E,v\n';
    const { summary, rows } = await importCsv(csv);
    const sa = '(numbers without a country code are read as SA numbers).';
    const excel = `"9.66501E+11" is not a valid phone number ${sa} Excel turned it into a rounded number: format the phone column as Text and export the file again.`;
    const invalid = (line: number, phone: string, name: string, city: string, error: string): ParsedRecipient => ({ line, phone, name, variables: { city }, skip: 'invalid', error });
    // Lines 6 (",,") and 7 (spaces) have no content: blank lines, not a wrong column count.
    assert.deepEqual(rows, [
      ok(2, '+966501234567', 'A', { city: 'x' }),
      invalid(4, '', 'B', 'y', 'The phone number is empty.'),
      invalid(5, 'abc', 'C', 'z', `"abc" is not a valid phone number ${sa}`),
      invalid(8, '12345', 'D', 'w', `"12345" is not a valid phone number ${sa}`),
      invalid(9, '9.66501E+11', 'E', 'v', excel),
    ]);
    assert.deepEqual(
      summary.problems.map((p) => [p.line, p.code, p.phone]),
      [
        [4, 'invalid', null],
        [5, 'invalid', 'abc'],
        [8, 'invalid', '12345'],
        [9, 'invalid', '9.66501E+11'],
      ],
    );
    assert.deepEqual([summary.rows, summary.accepted, summary.invalid, summary.duplicates], [5, 1, 4, 0]);
  });

  test('quoted multi-line fields (LF and CRLF inside) keep the later line numbers right', async () => {
    const csv = 'phone,name,note\r\n0501234567,Ali,"one\r\ntwo\r\nthree"\r\n0501234568,Sara,plain\r\n\r\n0501234569,Omar,"x\ny"\r\nbad,Huda,z\r\n';
    const { rows, summary } = await importCsv(csv);
    assert.deepEqual(rows.slice(0, 3), [
      ok(2, '+966501234567', 'Ali', { note: 'one\r\ntwo\r\nthree' }),
      ok(5, '+966501234568', 'Sara', { note: 'plain' }),
      ok(7, '+966501234569', 'Omar', { note: 'x\ny' }),
    ]);
    assert.equal(rows[3]?.line, 9);
    assert.deepEqual(summary.problems.map((p) => p.line), [9]);
  });

  test('problems list the first 1000 only; the counts cover every row', async () => {
    const csv = `phone\n${'x\n'.repeat(1500)}`;
    const { summary, rows } = await importCsv(csv);
    assert.deepEqual([summary.rows, summary.invalid, summary.problems.length, rows.length], [1500, 1500, 1000, 1500]);
    assert.equal(summary.problems.at(-1)?.line, 1001);
  });

  test('a column named __proto__ is an ordinary variable', async () => {
    const { rows } = await importCsv('phone,__proto__\n0501234567,x\n');
    assert.equal(Object.getPrototypeOf(rows[0]?.variables), Object.prototype);
    assert.deepEqual(Object.entries(rows[0]?.variables ?? {}), [['__proto__', 'x']]);
  });
});

describe('importRecipientsCsv: file errors', () => {
  test('an empty file, or only blank lines', async () => {
    const empty = { message: 'The file is empty. Upload a CSV file with a header row (for example phone,name) and one recipient per line.', line: null };
    assert.deepEqual(await fileError(''), empty);
    assert.deepEqual(await fileError('\r\n\n   \n'), empty);
    assert.deepEqual(await fileError(Buffer.from([0xef, 0xbb, 0xbf])), empty);
  });

  test('a header and no rows', async () => {
    assert.deepEqual(await fileError('phone,name\n\n'), { message: 'The file has a header row but no recipients below it.', line: null });
  });

  test('no phone column: lists the columns found and the accepted names', async () => {
    assert.deepEqual(await fileError('name,city\nAli,Riyadh\n'), {
      message:
        'No phone number column was found. The columns in the file are: "name", "city". Name the column with the numbers one of: phone, phone_number, mobile, number, whatsapp, msisdn, tel, رقم, الرقم, الجوال, جوال, الهاتف, هاتف, رقم الجوال.',
      line: 1,
    });
  });

  test('header names that cannot be variables: empty, invalid, repeated', async () => {
    assert.deepEqual(await fileError('phone,name,,city\n0501234567,A,,B\n'), { message: 'Column C has no name in the header row. Give it a name or delete the column.', line: 1 });
    assert.deepEqual(await fileError('phone,price ($)\n0501234567,5\n'), {
      message: 'Column B ("price ($)") can\'t be used as a variable name: use letters, digits and _ only, not starting with a digit.',
      line: 1,
    });
    assert.deepEqual(await fileError('phone,order id,order_id\n0501234567,1,2\n'), { message: 'Columns B and C are both named "order_id". Give each column its own name.', line: 1 });
  });

  test('bytes that are not UTF-8 (Latin-1), with the line they are on', async () => {
    const latin1 = Buffer.from([0x6e, 0x61, 0x6d, 0xe9]);
    const message = (line: number): string => `Line ${line} has characters that are not UTF-8 — the file was saved in another encoding. Save it as CSV UTF-8: ${saveAs}`;
    assert.deepEqual(await fileError(latin1), { message: message(1), line: 1 });
    assert.deepEqual(await fileError(Buffer.concat([Buffer.from('phone,name\n0501234567,Ali\n0501234568,'), latin1, Buffer.from('\n')])), { message: message(3), line: 3 });
  });

  test('a NUL character (PostgreSQL cannot store it) fails the file with the line it is on', async () => {
    const message = (line: number): string => `Line ${line} contains a NUL character (U+0000), which can't be stored. The file may not be a text CSV file; remove the character or save the file again as CSV UTF-8.`;
    assert.deepEqual(await fileError('phone,na\0me\n0501234567,Ali\n'), { message: message(1), line: 1 });
    assert.deepEqual(await fileError('phone,name\n0501234567,Ali\n0501234568,\0\n'), { message: message(3), line: 3 });
    // Inside a quoted value that spans lines: the line of the NUL itself.
    assert.deepEqual(await fileError('phone,name,note\n0501234567,"Ali","first\nsecond\0"\n'), { message: message(3), line: 3 });
    // UTF-16 without its byte order mark is valid UTF-8 full of NULs.
    assert.deepEqual(await fileError(Buffer.from('phone,name\n0501234567,Ali\n', 'utf16le')), { message: message(1), line: 1 });
  });

  test('UTF-16, either byte order', async () => {
    const little = Buffer.from('\uFEFFphone,name\n0501234567,Ali\n', 'utf16le');
    const big = Buffer.from(little).swap16();
    const expected = { message: `The file is saved as UTF-16 ("Unicode Text"), not as CSV UTF-8. ${saveAs}`, line: 1 };
    assert.deepEqual([little[0], little[1], big[0], big[1]], [0xff, 0xfe, 0xfe, 0xff]);
    assert.deepEqual(await fileError(little), expected);
    assert.deepEqual(await fileError(big), expected);
  });

  test('an Excel workbook instead of a CSV file', async () => {
    const xlsx = Buffer.concat([Buffer.from('PK\x03\x04\x14\x00\x06\x00'), Buffer.from([0x08, 0x00, 0xa1, 0xc3])]);
    assert.deepEqual(await fileError(xlsx), { message: `This is an Excel workbook (.xlsx), not a CSV file. ${saveAs}`, line: null });
  });

  test('a 1 MB line fails as soon as the limit is passed, without reading the rest', async () => {
    let pulled = 0;
    let closed = false;
    async function* chunks(): AsyncGenerator<Buffer> {
      try {
        pulled += 1;
        yield Buffer.from('phone,name\n0501234567,');
        for (let i = 0; i < 16; i += 1) {
          pulled += 1;
          yield Buffer.alloc(64 * 1024, 'x');
        }
      } finally {
        closed = true;
      }
    }
    assert.deepEqual(await fileError(chunks()), { message: 'Line 2 is longer than 64 KiB. A recipient list has short lines — check that this is the right file.', line: 2 });
    assert.equal(pulled, 2);
    assert.equal(closed, true);
  });

  test('one 1 MB chunk with a long line in it, and a smaller limit', async () => {
    const long = `phone\n0501234567\n${'9'.repeat(1024 * 1024)}\n`;
    assert.deepEqual((await fileError(long)).line, 3);
    assert.deepEqual(await fileError('phone\r\n0501234567\r\n05012345678901234567890\r\n', { maxLineBytes: 20 }), {
      message: 'Line 3 is longer than 20 bytes. A recipient list has short lines — check that this is the right file.',
      line: 3,
    });
  });

  test('a quote that is never closed', async () => {
    assert.deepEqual(await fileError('phone,name\n0501234567,"Ali\n0501234568,Sara\n'), { message: `A quote (") on line 2 is never closed. ${quoteHint}`, line: 2 });
    // In a large file the open quote swallows the rest until the record is too long.
    const rows = Array.from({ length: 40 }, (_, i) => `05012345${String(i).padStart(2, '0')},x`).join('\n');
    assert.deepEqual(await fileError(`phone,name\n0501234567,ok\n0501234568,"Ali\n${rows}\n`, { maxLineBytes: 200 }), {
      message: `The row starting on line 3 is too long — a quote (") in it is probably never closed. ${quoteHint}`,
      line: 3,
    });
  });

  test('a misplaced closing quote', async () => {
    assert.deepEqual(await fileError('phone,name\n0501234567,"Ali"x\n'), { message: `Line 2 has a misplaced quote ("). ${quoteHint}`, line: 2 });
  });

  test('a row whose column count differs from the header', async () => {
    assert.deepEqual(await fileError('phone,name\n0501234567,Ali\n0501234568,Riyadh, KSA\n'), {
      message: 'Line 3 has 3 columns but the header has 2. A value that contains a comma must be in double quotes.',
      line: 3,
    });
    assert.deepEqual(await fileError('phone;name;city\n0501234567;Ali\n'), {
      message: 'Line 2 has 2 columns but the header has 3. A value that contains a semicolon must be in double quotes.',
      line: 2,
    });
  });

  test('more than 100,000 rows', async () => {
    async function* chunks(): AsyncGenerator<string> {
      yield 'phone\n';
      for (let i = 0; i <= 100_000; i += 1000) yield Array.from({ length: 1000 }, (_, j) => `05${String(i + j).padStart(8, '0')}\n`).join('');
    }
    assert.deepEqual(await fileError(chunks()), { message: 'The file has more than 100,000 recipients. Split it into files of at most 100,000 rows.', line: 100_002 });
  });

  test('a Readable source is left undestroyed, so the request can still be answered', async () => {
    const source = Readable.from([Buffer.from('name\nAli\n'), Buffer.from('more\n')]);
    assert.equal((await fileError(source)).line, 1);
    assert.equal(source.destroyed, false);
  });
});

test('streaming: 100,000 rows arrive in batches while the source is still being read', async () => {
  const rowsPerChunk = 1000;
  const chunkCount = 100;
  let pulled = 0;
  let ended = false;
  async function* chunks(): AsyncGenerator<string> {
    yield 'phone,name,code\n';
    for (let c = 0; c < chunkCount; c += 1) {
      pulled += 1;
      let text = '';
      for (let r = 0; r < rowsPerChunk; r += 1) {
        const i = c * rowsPerChunk + r;
        text += `05${String(i).padStart(8, '0')},name ${i},c${i}\n`;
      }
      yield text;
    }
    ended = true;
  }
  const sizes: number[] = [];
  const readAhead: number[] = [];
  let delivered = 0;
  let endedAtFirstBatch: boolean | null = null;
  let first: ParsedRecipient | undefined;
  let last: ParsedRecipient | undefined;
  const summary = await importRecipientsCsv(chunks(), {
    defaultCountry: 'SA',
    batchSize: 700,
    onBatch: async (batch) => {
      endedAtFirstBatch ??= ended;
      first ??= batch[0];
      last = batch.at(-1);
      sizes.push(batch.length);
      delivered += batch.length;
      readAhead.push(pulled * rowsPerChunk - delivered);
      await nextTurn(); // storage takes a moment
    },
  });
  assert.equal(endedAtFirstBatch, false);
  assert.ok(sizes.every((size) => size <= 700));
  assert.deepEqual(sizes, [...Array.from({ length: 142 }, () => 700), 600]);
  // Never more than a chunk and a batch read ahead of what was stored.
  assert.ok(Math.max(...readAhead) <= rowsPerChunk + 700, `read ahead ${Math.max(...readAhead)} rows`);
  assert.deepEqual(first, ok(2, '+966500000000', 'name 0', { code: 'c0' }));
  assert.deepEqual(last, ok(100_001, '+966500099999', 'name 99999', { code: 'c99999' }));
  assert.deepEqual(summary, { rows: 100_000, accepted: 100_000, invalid: 0, duplicates: 0, variables: ['code'], problems: [] });
});
