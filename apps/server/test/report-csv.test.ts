import { describe, test } from './suite.js';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { testDatabases } from './harness.js';
import { withSession } from './flows.js';
import { allRecipients, createCampaign, receivedByRecipient, testNumber, waitForProgress } from './campaign-flows.js';

/**
 * The report a campaign exports is opened in Excel, LibreOffice, Numbers and Google
 * Sheets, which run a cell beginning with = + - @ (or tab, CR, or their full-width
 * forms) as a formula. Every such cell must come out as text — a single quote in
 * front, in quotes (OWASP's CSV Injection advice) — and every other cell unchanged.
 */

const databases = await testDatabases();

/** What a spreadsheet would run. */
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;
const E164 = /^\+[1-9]\d{1,14}$/;

const DANGEROUS = [
  '=HYPERLINK("http://x","y")',
  "+cmd|' /C calc'!A0",
  '-2+3',
  '@SUM(1)',
  '=مرحبا',
  '+أحمد علي',
  '-سارة',
  '@علي',
  '＝1+1',
  '=1,2;3',
];
const ORDINARY = ['أحمد علي', 'Sara', '1234', '3.5', 'a=b', "O'Brien", 'x-y', 'مرحبا @علي', '٠٥٠١٢٣٤٥٦٧'];

const csvCell = (text: string): string => `"${text.replace(/"/g, '""')}"`;

for (const database of databases) {
  describe(`campaign report CSV on ${database.name}`, { skip: database.skip }, () => {
    test('cells a spreadsheet would run are exported as quoted text; names, numbers and phones are exported unchanged', async () => {
      await withSession({ database, linked: true }, async ({ stack, cookie }) => {
        const socket = await stack.socket(cookie, ['session_update', 'message_status', 'campaign_progress']);
        // Every dangerous value as a name, and as each variable, through the real upload route.
        const lines = ['phone,name,code,city'];
        const values = [...DANGEROUS, ...ORDINARY];
        values.forEach((value, i) => {
          const other = values[(i + 3) % values.length]!;
          lines.push([testNumber(i + 1), csvCell(value), csvCell(other), csvCell(value)].join(','));
        });
        // Invalid numbers are kept as written, in the phone column: the one a phone cell can't be trusted.
        lines.push(`${csvCell('=1+2')},Invalid,x,y`, `${csvCell('@SUM(A1)')},Invalid too,x,y`);
        const { campaign, imported } = await createCampaign(stack, cookie, { template: 'Hello {{name}}: {{code}} / {{city}}', csv: lines.join('\r\n') });
        assert.equal(imported.accepted, values.length);
        assert.equal(imported.invalid, 2);
        // Tab and CR at the start can't survive a CSV upload (cells are trimmed), but JSON variables keep them.
        const json = await stack.api(cookie, 'POST', `/api/campaigns/${campaign.id}/recipients`, {
          recipients: [{ phone: testNumber(90), name: 'Tab', code: '\t=1', city: '\r=1' }],
        });
        assert.equal(json.status, 200, JSON.stringify(json.json));

        const started = await stack.api(cookie, 'POST', `/api/campaigns/${campaign.id}/start`);
        assert.equal(started.status, 200, JSON.stringify(started.json));
        await waitForProgress(socket, campaign.id, (p) => p.status === 'completed', 60_000);
        // Receipts come after the acks: wait for the last ones, so the export and the API agree on every status.
        await waitForProgress(socket, campaign.id, (p) => p.counts.read === values.length + 1, 30_000);

        // WhatsApp got the values as written: only the export is neutralised.
        const received = await receivedByRecipient(stack);
        values.forEach((value, i) => {
          assert.deepEqual(received.get(testNumber(i + 1))?.map((m) => m.text), [`Hello ${value}: ${values[(i + 3) % values.length]} / ${value}`]);
        });

        const response = await fetch(`${stack.baseUrl}/api/campaigns/${campaign.id}/report.csv`, { headers: { cookie } });
        assert.equal(response.status, 200);
        const bytes = Buffer.from(await response.arrayBuffer());
        assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a BOM, so Excel reads Arabic');
        const text = bytes.subarray(3).toString('utf8');
        const rows: string[][] = parse(text);
        const [header, ...data] = rows;
        assert.deepEqual(header, ['seq', 'phone', 'name', 'status', 'reason', 'error', 'sent_at', 'updated_at', 'message_id', 'line', 'code', 'city']);

        // Cell by cell against what the API says is stored.
        const stored = await allRecipients(stack, cookie, campaign.id);
        assert.equal(data.length, stored.length);
        assert.equal(stored.length, values.length + 3);
        let neutralised = 0;
        for (const [i, row] of data.entries()) {
          const recipient = stored[i];
          const expected: Record<number, string> = { 0: String(recipient.seq), 1: recipient.phone, 2: recipient.name ?? '', 3: recipient.status, 10: recipient.variables.code ?? '', 11: recipient.variables.city ?? '' };
          for (const [column, value] of Object.entries(expected)) {
            const cell = row[Number(column)]!;
            const checkedPhone = column === '1' && E164.test(value);
            if (FORMULA_START.test(value) && !checkedPhone) {
              assert.equal(cell, `'${value}`, `row ${i + 1}, ${header![Number(column)]}: ${JSON.stringify(value)}`);
              // Quoted too, so it stays one text cell.
              assert.ok(text.includes(csvCell(`'${value}`)), `quoted: ${JSON.stringify(value)}`);
              neutralised += 1;
            } else {
              assert.equal(cell, value, `row ${i + 1}, ${header![Number(column)]} unchanged`);
            }
          }
          // Whatever the column, no cell of the file starts a formula — except a checked phone number.
          row.forEach((cell, column) => assert.ok(!FORMULA_START.test(cell) || (column === 1 && E164.test(cell)), `row ${i + 1}, column ${column}: ${JSON.stringify(cell)}`));
        }
        // Each dangerous value as name and city, once more as some row's code; two invalid phones; the tab and CR.
        assert.equal(neutralised, DANGEROUS.length * 3 + 2 + 2);
        // Phones Wasla checked are written as they are: +9665…, no quote in front.
        for (let i = 0; i < values.length; i += 1) assert.ok(text.includes(`,${testNumber(i + 1)},`), testNumber(i + 1));
        socket.close();
      });
    });
  });
}
