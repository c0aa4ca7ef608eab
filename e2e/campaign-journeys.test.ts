import { after, before, describe, test } from '../apps/server/test/suite.js';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { ADMIN, Stack, testDatabases } from '../apps/server/test/harness.js';
import { linkByQr } from '../apps/server/test/flows.js';
import { browserSkipReason, launchBrowser, logIn, logInInArabic, newContextFor, waitForStatus } from './browser.js';

const skip = browserSkipReason();
const [sqlite] = await testDatabases();

/**
 * The audience file: line 1 is the header; lines 3 and 7 are not phone numbers and
 * line 5 repeats line 2's number, so three people receive the message.
 */
const AUDIENCE_CSV = [
  'phone,name,city',
  '0551234567,Sara,Riyadh',
  '12345,Bad,Nowhere',
  '+966509876543,Omar,Jeddah',
  '0551234567,Sara again,Riyadh',
  '0561112222,Huda,Dammam',
  'not-a-number,Nobody,Nowhere',
].join('\n');

/** Replaces a PrimeReact InputNumber's value by typing, as a person would. */
async function typeNumber(input: Locator, value: string): Promise<void> {
  await input.click();
  await input.press('Control+A');
  await input.press('Backspace');
  await input.pressSequentially(value);
  await input.blur();
}

async function textOf(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).innerText()).trim();
}

/** Marks the page so a test can tell it was never reloaded. */
async function mark(page: Page): Promise<void> {
  await page.evaluate(() => ((window as unknown as { waslaMark: number }).waslaMark = 7));
}
async function notReloaded(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { waslaMark?: number }).waslaMark === 7);
}

describe('campaigns in Chromium', { skip }, () => {
  let browser: Browser;
  let dir: string;
  before(async () => {
    browser = await launchBrowser();
    dir = mkdtempSync(path.join(os.tmpdir(), 'wasla-e2e-csv-'));
  });
  after(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a campaign from a CSV upload: problems by line, live progress to completion, a report that matches the API', async () => {
    const stack = await Stack.start({ database: sqlite! });
    const context = await newContextFor(browser, stack);
    try {
      const cookie = await stack.login();
      const socket = await stack.socket(cookie);
      await linkByQr(stack, cookie, socket);
      socket.close();

      const page = await context.newPage();
      await logIn(page, stack.baseUrl, ADMIN.email, ADMIN.password);
      await waitForStatus(page, 'ready');
      await page.getByRole('link', { name: 'Campaigns' }).first().click();
      await page.locator('.campaigns-intro').waitFor();
      assert.match(await page.locator('.campaigns-intro').innerText(), /one at a time/, 'the empty list explains what a campaign is');
      await page.locator('.campaigns-intro').getByRole('link', { name: 'New campaign' }).click();
      await page.waitForURL((url) => url.pathname === '/campaigns/new/');

      await page.fill('input[name="name"]', 'Browser campaign');
      const file = path.join(dir, 'audience.csv');
      writeFileSync(file, AUDIENCE_CSV);
      await page.setInputFiles('#audience-file', file);
      await page.locator('.import-summary[data-import-accepted="3"]').waitFor();
      const lines = await page.locator('.problems-table [data-problem-line]').evaluateAll((cells) => cells.map((cell) => cell.getAttribute('data-problem-line')));
      assert.deepEqual(lines, ['3', '5', '7'], 'the rows that will be skipped, by their line in the file');
      assert.equal(await textOf(page, '[data-stat="invalid"] dd'), '2');
      assert.equal(await textOf(page, '[data-stat="duplicates"] dd'), '1');
      // The draft exists now, and the address names it, so a reload keeps it.
      await page.waitForURL((url) => url.searchParams.has('id'));
      const id = new URL(page.url()).searchParams.get('id')!;

      // The message, with variables inserted from the file's columns, previewed per recipient.
      const template = page.locator('textarea[name="template"]');
      await template.fill('Hello ');
      await template.press('End');
      await page.locator('.variable-chip', { hasText: '{{name}}' }).click();
      await template.press('End');
      await template.pressSequentially(' from ');
      await page.locator('.variable-chip', { hasText: '{{city}}' }).click();
      assert.equal(await template.inputValue(), 'Hello {{name}} from {{city}}');
      await page.locator('[data-preview-text]', { hasText: 'Hello Sara from Riyadh' }).waitFor();
      // Recipient 2 is line 3's invalid number; recipient 3 is Omar.
      await page.getByRole('button', { name: 'Next recipient' }).click();
      await page.getByRole('button', { name: 'Next recipient' }).click();
      await page.locator('[data-preview-text]', { hasText: 'Hello Omar from Jeddah' }).waitFor();

      // No gaps and no quiet hours, so it finishes while we watch.
      await typeNumber(page.locator('#limits-minGapSeconds'), '0');
      await typeNumber(page.locator('#limits-maxGapSeconds'), '0');
      await page.locator('label[for="limits-quiet"]').click();
      await page.locator('.limits-risky, .notice--warn', { hasText: 'faster than the safe defaults' }).waitFor();

      const campaignFetches: string[] = [];
      page.on('request', (request) => {
        if (new URL(request.url()).pathname === `/api/campaigns/${id}`) campaignFetches.push(request.method());
      });
      await page.getByRole('button', { name: 'Start sending' }).click();
      await page.waitForURL((url) => url.pathname === '/campaigns/view/' && url.searchParams.get('id') === id);
      await mark(page);

      // Live progress over the WebSocket: the page reaches completion without reloading or polling.
      await page.locator('.campaign-detail[data-campaign-status="completed"]').waitFor({ timeout: 30_000 });
      await page.locator('[data-campaign-processed="6"][data-campaign-total="6"]').first().waitFor();
      await page.locator('[data-count="read"] dd', { hasText: /^3$/ }).waitFor({ timeout: 20_000 });
      assert.ok(await notReloaded(page), 'the page was never reloaded');
      assert.deepEqual(
        campaignFetches.filter((method) => method === 'GET'),
        ['GET'],
        'the campaign was fetched once; every change after that came live',
      );
      const stored = await stack.api(cookie, 'GET', `/api/campaigns/${id}`);
      assert.equal(stored.json.status, 'completed');
      assert.deepEqual(stored.json.limits, { minGapMs: 0, maxGapMs: 0, hourlyCap: 120, dailyCap: 600, quietHours: null });
      const received = (await stack.control('GET', '/control/messages')) as { messages: { text: string }[] };
      assert.deepEqual(received.messages.map((message) => message.text).sort(), ['Hello Huda from Dammam', 'Hello Omar from Jeddah', 'Hello Sara from Riyadh']);

      // The report shows what the API reports.
      await page.getByRole('link', { name: 'Report', exact: true }).click();
      await page.waitForURL((url) => url.pathname === '/reports/campaign/');
      await page.locator('.campaign-report [data-total="sent"]').waitFor();
      const report = await stack.api(cookie, 'GET', `/api/campaigns/${id}/report`);
      assert.equal(report.status, 200);
      for (const key of ['sent', 'delivered', 'read', 'failed', 'skipped'] as const) {
        assert.equal(Number(await textOf(page, `.campaign-report [data-total="${key}"] [data-total-value]`)), report.json.totals[key], `${key} on the page`);
      }
      assert.deepEqual(report.json.totals.skippedByReason, { invalid: 2, duplicate: 1 });
      for (const reason of ['invalid', 'duplicate']) {
        const row = page.locator(`[data-reasons="skipped"] tr[data-reason="${reason}"] td.num`).first();
        assert.equal(Number(await row.innerText()), report.json.totals.skippedByReason[reason]);
      }
      const csvHref = await page.locator('[data-download-csv]').getAttribute('href');
      assert.equal(csvHref, `/api/campaigns/${id}/report.csv`);
      const csv = await page.request.get(`${stack.baseUrl}${csvHref}`);
      assert.equal(csv.status(), 200);
      assert.match(csv.headers()['content-type'] ?? '', /text\/csv/);
      assert.equal((await csv.text()).trim().split(/\r?\n/).length, 7, 'a header and one line per recipient');

      // A reply reaches the Messages page as it arrives, marked as received.
      await page.getByRole('link', { name: 'Messages' }).first().click();
      await page.locator('[data-message-id]').first().waitFor();
      await stack.control('POST', '/control/inbound', { from: '+966551234567', text: 'Thanks! Until when is the offer on?' });
      const reply = page.locator('.message-log__item--in', { hasText: 'Thanks! Until when is the offer on?' });
      await reply.locator('[data-message-direction="in"]').waitFor();
      assert.equal(await reply.locator('[data-message-status]').count(), 0, 'no delivery ticks on a received message');
    } finally {
      await context.close().finally(() => stack.close());
    }
  });

  test('Arabic: the campaigns page is right to left', async () => {
    const stack = await Stack.start({ database: sqlite! });
    const context = await newContextFor(browser, stack, 'ar');
    try {
      const page = await context.newPage();
      await logInInArabic(page, stack.baseUrl, ADMIN.email, ADMIN.password);
      await page.getByRole('link', { name: 'الحملات' }).first().click();
      await page.waitForURL((url) => url.pathname === '/campaigns/');
      await page.locator('.campaigns-intro').waitFor();
      const viewport = page.viewportSize()!;
      const title = await page.locator('h1.page__title').boundingBox();
      const newButton = await page.locator('.page__head a.p-button').boundingBox();
      assert.equal(await page.locator('h1.page__title').innerText(), 'الحملات');
      assert.ok(title && newButton && title.x > newButton.x, 'the title starts on the right, its button on the left');
      assert.ok(title.x + title.width > viewport.width / 2, 'the title is on the right half');
      const active = page.locator('.layout-menu__link--active');
      assert.equal((await active.innerText()).trim(), 'الحملات', 'the menu marks the page, in Arabic');
      assert.equal(await page.locator('.campaigns-intro').evaluate((element) => getComputedStyle(element).direction), 'rtl');
      assert.match(await page.locator('.campaigns-intro').innerText(), /واحدًا تلو الآخر/);
    } finally {
      await context.close().finally(() => stack.close());
    }
  });
});
