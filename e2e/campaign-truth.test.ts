import { after, before, describe, test } from '../apps/server/test/suite.js';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ADMIN, Stack, testDatabases } from '../apps/server/test/harness.js';
import { linkByQr } from '../apps/server/test/flows.js';
import { FAST_LIMITS, testNumber, uploadCsv, waitForProgress } from '../apps/server/test/campaign-flows.js';
import { browserSkipReason, eventually, launchBrowser, logIn, newContextFor, waitForStatus } from './browser.js';

const skip = browserSkipReason();
const [sqlite] = await testDatabases();

/** Four people: Omar opts out, Huda has no city. */
const AUDIENCE = ['phone,name,city', `${testNumber(1)},Sara,Jeddah`, `${testNumber(2)},Omar,Dammam`, `${testNumber(3)},Huda,`, `${testNumber(4)},Ali,Abha`].join('\n');

/** HH:MM on Riyadh's clock, `minutes` from now. */
function riyadhClock(minutes: number): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Riyadh', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(Date.now() + minutes * 60_000);
}

/** Text as read, without the invisible marks that isolate inserted values. */
const plain = (text: string): string => text.replace(/[\u2066-\u2069\u200e\u200f]/g, '').trim();

async function textOf(page: Page, selector: string): Promise<string> {
  return plain(await page.locator(selector).first().innerText());
}

/**
 * Screens that used to say something untrue about a campaign, each checked against
 * what happens: "Ready" and its count, the time left, one "Sent" everywhere, times in
 * another zone than the browser's, and "Sending now".
 */
describe('campaign screens tell the truth, in Chromium', { skip }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  test('a campaign with a missing variable and an opted-out number; a browser in UTC with quiet hours in Riyadh', async () => {
    const stack = await Stack.start({ database: sqlite! });
    // A browser in UTC: the campaign's quiet hours keep Riyadh's clock (UTC+3).
    const context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC', viewport: { width: 1366, height: 860 } }).catch(async (error: unknown) => {
      await stack.close();
      throw error;
    });
    try {
      const cookie = await stack.login();
      const socket = await stack.socket(cookie, ['session_update', 'qr_code', 'message_status', 'message_received', 'campaign_progress']);
      await linkByQr(stack, cookie, socket);
      await stack.control('POST', '/control/inbound', { from: testNumber(2), text: 'STOP' });
      await socket.waitFor((m) => m.type === 'message_received' && m.data.peer === testNumber(2));

      // 2–3 s between messages, the default hourly cap of 120.
      const created = await stack.api(cookie, 'POST', '/api/campaigns', {
        name: 'Truth',
        template: 'Hi {{name}} from {{city}}',
        limits: { minGapMs: 2000, maxGapMs: 3000, hourlyCap: 120, dailyCap: 600, quietHours: null },
      });
      assert.equal(created.status, 201);
      const id: string = created.json.id;
      assert.equal((await uploadCsv(stack, cookie, id, AUDIENCE)).status, 200);

      const page = await context.newPage();
      await logIn(page, stack.baseUrl, ADMIN.email, ADMIN.password);
      await waitForStatus(page, 'ready');
      await page.goto(`${stack.baseUrl}/campaigns/new/?id=${id}`);

      // Not ready while Huda has no city: no "Ready", the reason, and Start can't be pressed.
      await page.locator('[data-missing-variables]').waitFor();
      assert.match(await textOf(page, '[data-missing-variables]'), /Recipients with no \{\{city\}\}: 1/);
      assert.equal(await page.locator('[data-ready]').count(), 0, 'never "Ready" when Start would refuse');
      assert.ok(await page.getByRole('button', { name: 'Start sending' }).isDisabled());

      // A value for rows without one: ready, and the count leaves the opted-out number out.
      await page.locator('textarea[name="template"]').fill('Hi {{name}} from {{city|Riyadh}}');
      await page.locator('[data-preview-text]', { hasText: 'Hi Sara from Jeddah' }).waitFor();
      const ready = page.locator('[data-ready]');
      await ready.waitFor();
      assert.equal(await ready.getAttribute('data-will-receive'), '3');
      assert.match(plain(await ready.innerText()), /Will receive it: 3/);
      assert.match(await textOf(page, '[data-left-out="opted_out"]'), /1 opted out/);
      await page.getByRole('button', { name: 'Next recipient' }).click();
      await page.getByRole('button', { name: 'Next recipient' }).click();
      await page.locator('[data-preview-text]', { hasText: 'Hi Huda from Riyadh' }).waitFor();

      const startAnswers: number[] = [];
      page.on('response', (response) => {
        if (new URL(response.url()).pathname === `/api/campaigns/${id}/start`) startAnswers.push(response.status());
      });
      await page.getByRole('button', { name: 'Start sending' }).click();
      await page.waitForURL((url) => url.pathname === '/campaigns/view/');
      assert.deepEqual(startAnswers, [200], '"Ready" meant that Start works');

      // Time left follows the 2–3 s gaps: seconds, never "about 3 minutes".
      const eta = page.locator('[data-eta]', { hasText: /about/ });
      await eta.waitFor({ timeout: 20_000 });
      const etaText = plain(await eta.innerText());
      assert.match(etaText, /second/, etaText);
      assert.doesNotMatch(etaText, /minute/, etaText);

      // Done: one "Sent" on the page — the legend and the cards agree, read messages included.
      await page.locator('.campaign-detail[data-campaign-status="completed"]').waitFor({ timeout: 30_000 });
      await page.locator('[data-count="read"] dd', { hasText: /^3$/ }).waitFor({ timeout: 20_000 });
      assert.equal(await textOf(page, '[data-count="sent"] dd'), '3');
      assert.equal(await textOf(page, '[data-count="delivered"] dd'), '3');
      assert.match(await textOf(page, '.campaign-progress__legend li:first-child'), /^Sent\s*3$/);
      assert.equal(await textOf(page, '[data-count="skipped"] dd'), '1');
      const report = await stack.api(cookie, 'GET', `/api/campaigns/${id}/report`);
      assert.deepEqual([report.json.totals.sent, report.json.campaign.counts.sent], [3, 3], 'the report and the campaign count alike');

      // Quiet hours in Riyadh, in force now, seen from a browser in UTC: every time names its zone.
      const quiet = await stack.api(cookie, 'POST', '/api/campaigns', {
        name: 'Night',
        template: 'Hi {{name}}',
        limits: { minGapMs: 0, maxGapMs: 0, quietHours: { start: riyadhClock(-60), end: riyadhClock(60), timeZone: 'Asia/Riyadh' } },
        recipients: [{ phone: testNumber(5), name: 'Noor' }],
      });
      assert.equal(quiet.status, 201, JSON.stringify(quiet.json));
      const quietId: string = quiet.json.id;
      const waiting = waitForProgress(socket, quietId, (p) => p.waiting?.code === 'quiet_hours');
      assert.equal((await stack.api(cookie, 'POST', `/api/campaigns/${quietId}/start`)).status, 200);
      await waiting;
      await page.goto(`${stack.baseUrl}/campaigns/view/?id=${quietId}`);
      const notice = page.locator('[data-waiting="quiet_hours"]').first();
      await notice.waitFor();
      const noticeText = plain(await notice.innerText()).replace(/\s/g, ' ');
      const end = riyadhClock(60);
      const endHere = new Intl.DateTimeFormat('en-US', { timeStyle: 'short', timeZone: 'UTC' }).format(Date.now() + 60 * 60_000);
      assert.match(noticeText, /GMT\+3/, noticeText);
      assert.ok(noticeText.includes(`your time`), noticeText);
      assert.ok(noticeText.includes(endHere.replace(/\s/g, ' ')), `${noticeText} shows ${endHere} UTC`);
      const summary = await textOf(page, '[data-limits-summary]');
      assert.ok(summary.includes(`–${end} (Asia/Riyadh)`), summary);
      assert.match(summary, /your time/, summary);

      // "Sending now" on the dashboard: the running one only; paused, it leaves the list.
      await page.goto(`${stack.baseUrl}/`);
      await page.locator(`.running-list [data-campaign-id="${quietId}"]`).waitFor();
      assert.equal(await page.locator(`.running-list [data-campaign-id="${id}"]`).count(), 0, 'a completed campaign is not sending');
      assert.equal((await stack.api(cookie, 'POST', `/api/campaigns/${quietId}/pause`)).status, 200);
      await page.locator(`.running-list [data-campaign-id="${quietId}"]`).waitFor({ state: 'detached' });
      await page.locator('.card', { hasText: 'No campaign is sending right now.' }).first().waitFor();
      socket.close();
    } finally {
      await context.close().finally(() => stack.close());
    }
  });

  test('leaving the editor leaves no auto-named draft; drafts are deleted together; a started campaign is duplicated from its page', async () => {
    const stack = await Stack.start({ database: sqlite! });
    const context = await newContextFor(browser, stack);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wasla-e2e-truth-'));
    try {
      const cookie = await stack.login();
      const page = await context.newPage();
      await logIn(page, stack.baseUrl, ADMIN.email, ADMIN.password);
      await waitForStatus(page, 'stopped');

      // A file uploaded before the campaign has a name makes a draft under a made-up name…
      await page.goto(`${stack.baseUrl}/campaigns/new/`);
      const file = path.join(dir, 'audience.csv');
      writeFileSync(file, AUDIENCE);
      await page.setInputFiles('#audience-file', file);
      await page.waitForURL((url) => url.searchParams.has('id'));
      const autoId = new URL(page.url()).searchParams.get('id')!;
      const draft = await stack.api(cookie, 'GET', `/api/campaigns/${autoId}`);
      assert.equal(draft.status, 200);
      assert.doesNotMatch(draft.json.name, /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/, 'no invisible direction marks in the name');
      // …which leaving the editor deletes.
      const deleted = page.waitForResponse((response) => new URL(response.url()).pathname === `/api/campaigns/${autoId}` && response.request().method() === 'DELETE');
      await page.getByRole('link', { name: 'Campaigns' }).first().click();
      await page.waitForURL((url) => url.pathname === '/campaigns/');
      assert.equal((await deleted).status(), 204);
      assert.equal((await stack.api(cookie, 'GET', `/api/campaigns/${autoId}`)).status, 404, 'the auto-named draft is gone');

      // Drafts, selected together and deleted at once; a started campaign can't be selected.
      const ids: string[] = [];
      for (const name of ['Draft one', 'Draft two']) ids.push((await stack.api(cookie, 'POST', '/api/campaigns', { name, template: 'Hi {{name}}', recipients: [{ phone: testNumber(1), name: 'Sara' }] })).json.id);
      const started = (await stack.api(cookie, 'POST', '/api/campaigns', { name: 'Started', template: 'Hi {{name}}', recipients: [{ phone: testNumber(1), name: 'Sara' }] })).json.id as string;
      // No linked phone: it waits, paused, for the session.
      assert.equal((await stack.api(cookie, 'POST', `/api/campaigns/${started}/start`)).status, 200);
      await page.reload();
      await page.locator(`[data-campaign-id="${ids[0]}"]`).waitFor();
      const startedRow = page.locator('tr', { has: page.locator(`[data-campaign-id="${started}"]`) });
      assert.ok(await startedRow.locator('input[type="checkbox"]').isDisabled(), 'only drafts can be selected');
      for (const id of ids) await page.locator('tr', { has: page.locator(`[data-campaign-id="${id}"]`) }).locator('.p-checkbox').click();
      const bulk = page.locator('[data-action="delete-drafts"]');
      await bulk.waitFor();
      assert.equal(plain(await bulk.innerText()), 'Delete drafts (2)');
      await bulk.click();
      await page.locator('.p-confirm-dialog .p-confirm-dialog-accept').click();
      await page.locator(`[data-campaign-id="${ids[0]}"]`).waitFor({ state: 'detached' });
      for (const id of ids) assert.equal((await stack.api(cookie, 'GET', `/api/campaigns/${id}`)).status, 404);
      assert.equal((await stack.api(cookie, 'GET', `/api/campaigns/${started}`)).status, 200);

      // Duplicate from the started campaign's page: a new draft, opened in the editor.
      await page.goto(`${stack.baseUrl}/campaigns/view/?id=${started}`);
      await page.getByRole('button', { name: 'Duplicate' }).click();
      await page.waitForURL((url) => url.pathname === '/campaigns/new/' && url.searchParams.get('id') !== started);
      const copyId = new URL(page.url()).searchParams.get('id')!;
      const copy = await stack.api(cookie, 'GET', `/api/campaigns/${copyId}`);
      assert.deepEqual([copy.json.status, copy.json.name, copy.json.counts.total], ['draft', 'Started (copy)', 1]);
      assert.equal(await page.locator('input[name="name"]').inputValue(), 'Started (copy)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await context.close().finally(() => stack.close());
    }
  });

  test('closing or reloading the tab leaves no auto-named draft (the browser asks first); a name typed since is kept', async () => {
    const stack = await Stack.start({ database: sqlite! });
    const context = await newContextFor(browser, stack);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wasla-e2e-leave-'));
    const file = path.join(dir, 'audience.csv');
    writeFileSync(file, AUDIENCE);
    try {
      const cookie = await stack.login();
      const page = await context.newPage();
      await logIn(page, stack.baseUrl, ADMIN.email, ADMIN.password);
      await waitForStatus(page, 'stopped');

      /** A file uploaded before the campaign has a name: a draft under a made-up name, in `on`. */
      const autoNamedDraft = async (on: Page): Promise<string> => {
        await on.goto(`${stack.baseUrl}/campaigns/new/`);
        await on.setInputFiles('#audience-file', file);
        await on.waitForURL((url) => url.searchParams.has('id'));
        return new URL(on.url()).searchParams.get('id')!;
      };
      const asked: string[] = [];
      context.on('dialog', (dialog) => {
        asked.push(dialog.type());
        void dialog.accept();
      });

      // Reload: the browser asks, the draft goes, and a fresh editor opens.
      const reloaded = await autoNamedDraft(page);
      await page.reload();
      assert.equal(await eventually(async () => (await stack.api(cookie, 'GET', `/api/campaigns/${reloaded}`)).status, (status) => status === 404), 404, 'the reloaded tab\'s draft is gone');
      await page.waitForURL((url) => url.pathname === '/campaigns/new/' && !url.searchParams.has('id'));
      assert.equal(await page.locator('input[name="name"]').inputValue(), '', 'a fresh editor');

      // Closing the tab: asked again, and the draft is gone once the page has.
      const closing = await context.newPage();
      const closed = await autoNamedDraft(closing);
      await closing.close({ runBeforeUnload: true });
      await closing.waitForEvent('close');
      assert.deepEqual(asked, ['beforeunload', 'beforeunload']);
      assert.equal(await eventually(async () => (await stack.api(cookie, 'GET', `/api/campaigns/${closed}`)).status, (status) => status === 404), 404, 'the closed tab\'s draft is gone');

      // A name typed since: the tab closes without asking, and the draft stays under that name.
      const named = await context.newPage();
      const kept = await autoNamedDraft(named);
      await named.locator('input[name="name"]').fill('Autumn offer');
      await named.close({ runBeforeUnload: true });
      await named.waitForEvent('close');
      assert.equal(asked.length, 2, 'nothing to lose: no question');
      assert.equal(await eventually(async () => (await stack.api(cookie, 'GET', `/api/campaigns/${kept}`)).json.name as string, (name) => name === 'Autumn offer'), 'Autumn offer');
      const list = await stack.api(cookie, 'GET', '/api/campaigns');
      assert.deepEqual(list.json.items.map((campaign: { id: string }) => campaign.id), [kept], 'only the named draft is left');
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await context.close().finally(() => stack.close());
    }
  });

  test('send again, from a finished campaign\'s page: a new draft of the failed and unknown only, opened in the editor', async () => {
    const stack = await Stack.start({ database: sqlite! });
    const context = await newContextFor(browser, stack);
    try {
      const cookie = await stack.login();
      const socket = await stack.socket(cookie, ['session_update', 'qr_code', 'campaign_progress']);
      await linkByQr(stack, cookie, socket);
      const csv = ['phone,name,city', `${testNumber(1)},Sara,Jeddah`, `${testNumber(2)},Omar,Dammam`, '123,Bad,Nowhere'].join('\n');
      const created = await stack.api(cookie, 'POST', '/api/campaigns', { name: 'Offer', template: 'Hi {{name}}', limits: FAST_LIMITS });
      const id: string = created.json.id;
      assert.equal((await uploadCsv(stack, cookie, id, csv)).status, 200);
      // WhatsApp refuses both messages; the bad number was skipped at import.
      await stack.control('PUT', '/control/config', { ackError: 479 });
      assert.equal((await stack.api(cookie, 'POST', `/api/campaigns/${id}/start`)).status, 200);
      await waitForProgress(socket, id, (progress) => progress.status === 'completed', 90_000);
      await stack.control('PUT', '/control/config', { ackError: null });
      await stack.control('DELETE', '/control/messages');

      const page = await context.newPage();
      await logIn(page, stack.baseUrl, ADMIN.email, ADMIN.password);
      await waitForStatus(page, 'ready');
      await page.goto(`${stack.baseUrl}/campaigns/view/?id=${id}`);
      const resend = page.locator('[data-action="resend"]');
      await resend.waitFor();
      assert.equal(plain(await resend.innerText()), 'Send again to failed or unknown (2)');
      await resend.click();
      await page.waitForURL((url) => url.pathname === '/campaigns/new/' && url.searchParams.has('id') && url.searchParams.get('id') !== id);
      const againId = new URL(page.url()).searchParams.get('id')!;
      const again = await stack.api(cookie, 'GET', `/api/campaigns/${againId}`);
      assert.deepEqual([again.json.status, again.json.counts.total, again.json.counts.pending, again.json.template], ['draft', 2, 2, 'Hi {{name}}']);
      assert.equal(await page.locator('input[name="name"]').inputValue(), again.json.name);
      const original = await stack.api(cookie, 'GET', `/api/campaigns/${id}`);
      assert.equal(original.json.counts.failed + original.json.counts.unknown, 2, 'the first campaign is left as it was');
      assert.equal(((await stack.control('GET', '/control/messages')) as { messages: unknown[] }).messages.length, 0, 'nothing was sent again by itself');
    } finally {
      await context.close().finally(() => stack.close());
    }
  });
});
