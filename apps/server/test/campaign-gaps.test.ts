import { describe, test } from './suite.js';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { testDatabases } from './harness.js';
import { withSession } from './flows.js';
import { allRecipients, createCampaign, receivedByRecipient, testNumber, waitForProgress } from './campaign-flows.js';

/**
 * What a business hits in its first week with campaigns: "Ready" that Start agrees
 * with (fallbacks, skipping rows without a value, opted-out numbers left out), no
 * schedule in the past, names without invisible marks, duplicating, sending again to
 * the failed, deleting drafts together, and the report CSV with the file's own columns.
 */

const databases = await testDatabases();
const EVENTS = ['session_update', 'message_status', 'message_received', 'campaign_progress'];

/** Four rows: Huda has no city; the second number will opt out. */
const AUDIENCE = ['phone,name,city,branch', `${testNumber(1)},Sara,Jeddah,North`, `${testNumber(2)},Omar,Dammam,South`, `${testNumber(3)},Huda,,East`, `${testNumber(4)},Ali,Abha,West`].join('\n');

for (const database of databases) {
  describe(`campaign gaps on ${database.name}`, { skip: database.skip }, () => {
    test('"Ready" is what Start does: a missing value refuses until a fallback or skipping; opted-out numbers are left out of the count', async () => {
      await withSession({ database, linked: true }, async ({ stack, cookie }) => {
        const socket = await stack.socket(cookie, EVENTS);
        await stack.control('POST', '/control/inbound', { from: testNumber(2), text: 'STOP' });
        await socket.waitFor((m) => m.type === 'message_received' && m.data.peer === testNumber(2));

        const { campaign } = await createCampaign(stack, cookie, { template: 'Hi {{name}} from {{city}}', csv: AUDIENCE });
        assert.deepEqual(campaign.options, { missingValues: 'refuse' }, 'refusing is the default');
        const check = async (body?: unknown) => {
          const answer = await stack.api(cookie, 'POST', `/api/campaigns/${campaign.id}/readiness`, body ?? {});
          assert.equal(answer.status, 200, JSON.stringify(answer.json));
          return answer.json;
        };
        // Four pending: Omar opted out, Huda has no city. Not ready, and Start agrees.
        assert.deepEqual(await check(), {
          ready: false,
          willReceive: 2,
          optedOut: 1,
          missingValues: 1,
          missing: [{ variable: 'city', count: 1, firstSeq: 3 }],
          skipped: 0,
          problems: ['missing_variables'],
        });
        const refused = await stack.api(cookie, 'POST', `/api/campaigns/${campaign.id}/start`);
        assert.equal(refused.status, 422);
        assert.equal(refused.json.error.code, 'missing_variables');
        assert.match(refused.json.error.message, /\{\{city\}\} for 1 recipient \(first: #3\)/);

        // A fallback for the variable: ready, and the count leaves the opted-out number out.
        const withFallback = await check({ template: 'Hi {{name}} from {{city|Riyadh}}' });
        assert.deepEqual([withFallback.ready, withFallback.willReceive, withFallback.optedOut, withFallback.missingValues], [true, 3, 1, 0]);
        const preview = await stack.api(cookie, 'POST', `/api/campaigns/${campaign.id}/preview`, { template: 'Hi {{name}} from {{ city | Riyadh }}', seq: 3 });
        assert.deepEqual([preview.json.text, preview.json.missing], ['Hi Huda from Riyadh', []]);
        // Skipping rows without a value: ready too, two will receive it.
        const skipping = await check({ options: { missingValues: 'skip' } });
        assert.deepEqual([skipping.ready, skipping.willReceive, skipping.problems], [true, 2, []]);

        // Stored, started: exactly who "Ready" said, and the rest skipped with their reason from the start.
        const saved = await stack.api(cookie, 'PATCH', `/api/campaigns/${campaign.id}`, { options: { missingValues: 'skip' } });
        assert.deepEqual(saved.json.options, { missingValues: 'skip' });
        const started = await stack.api(cookie, 'POST', `/api/campaigns/${campaign.id}/start`);
        assert.equal(started.status, 200, JSON.stringify(started.json));
        assert.equal(started.json.counts.skipped, 2, 'counted as skipped as soon as it starts');
        await waitForProgress(socket, campaign.id, (p) => p.status === 'completed', 30_000);
        const received = await receivedByRecipient(stack);
        assert.deepEqual([...received.keys()].sort(), [testNumber(1), testNumber(4)]);
        const recipients = await allRecipients(stack, cookie, campaign.id);
        assert.deepEqual(
          recipients.map((r) => [r.seq, r.status === 'skipped' ? r.reason : 'sent']),
          [[1, 'sent'], [2, 'opted_out'], [3, 'missing_variable'], [4, 'sent']],
        );
        const report = await stack.api(cookie, 'GET', `/api/campaigns/${campaign.id}/report`);
        assert.deepEqual(report.json.totals.skippedByReason, { opted_out: 1, missing_variable: 1 });

        // The fallback sends: a copy with {{city|Riyadh}} reaches Huda as "Riyadh".
        await stack.control('DELETE', '/control/messages');
        const copy = await stack.api(cookie, 'POST', `/api/campaigns/${campaign.id}/duplicate`, {});
        assert.equal(copy.status, 201, JSON.stringify(copy.json));
        await stack.api(cookie, 'PATCH', `/api/campaigns/${copy.json.id}`, { template: 'Hi {{name}} from {{city|Riyadh}}', options: { missingValues: 'refuse' } });
        assert.equal((await stack.api(cookie, 'POST', `/api/campaigns/${copy.json.id}/start`)).status, 200);
        await waitForProgress(socket, copy.json.id, (p) => p.status === 'completed', 30_000);
        const again = await receivedByRecipient(stack);
        assert.deepEqual(again.get(testNumber(3))?.map((m) => m.text), ['Hi Huda from Riyadh']);
        assert.equal(again.has(testNumber(2)), false, 'the opted-out number is still left out');
        socket.close();
      });
    });

    test('a scheduled time in the past is refused with a clear 400; names are stored without invisible direction marks', async () => {
      await withSession({ database }, async ({ stack, cookie }) => {
        const past = new Date(Date.now() - 3_600_000).toISOString();
        const created = await stack.api(cookie, 'POST', '/api/campaigns', { name: 'Late', template: 'Hi', scheduledAt: past });
        assert.equal(created.status, 400);
        assert.equal(created.json.error.code, 'schedule_in_past');
        assert.match(created.json.error.message, /has passed/);
        assert.equal(created.json.error.details.field, 'scheduledAt');

        const marked = await stack.api(cookie, 'POST', '/api/campaigns', { name: '\u200f\u2067حملة 28\u200f/11\u2069\u200e', template: 'Hi' });
        assert.equal(marked.status, 201, JSON.stringify(marked.json));
        assert.equal(marked.json.name, 'حملة 28/11');
        const future = new Date(Date.now() + 3_600_000).toISOString();
        assert.equal((await stack.api(cookie, 'PATCH', `/api/campaigns/${marked.json.id}`, { scheduledAt: future })).status, 200);
        const late = await stack.api(cookie, 'PATCH', `/api/campaigns/${marked.json.id}`, { scheduledAt: past });
        assert.equal(late.status, 400);
        assert.equal(late.json.error.code, 'schedule_in_past');
        const onlyMarks = await stack.api(cookie, 'PATCH', `/api/campaigns/${marked.json.id}`, { name: '\u200f\u200e' });
        assert.equal(onlyMarks.status, 400);
        const renamed = await stack.api(cookie, 'PATCH', `/api/campaigns/${marked.json.id}`, { name: 'Offer \u202bRiyadh\u202c' });
        assert.equal(renamed.json.name, 'Offer Riyadh');
      });
    });

    test('send again to the failed: a new draft of only those recipients, never a retry; duplicate keeps import skips; drafts are deleted together or not at all', async () => {
      await withSession({ database, linked: true }, async ({ stack, cookie }) => {
        const socket = await stack.socket(cookie, EVENTS);
        const csv = ['phone,name,city', `${testNumber(1)},Sara,Jeddah`, `${testNumber(2)},Omar,Dammam`, '123,Bad,Nowhere'].join('\n');
        const { campaign } = await createCampaign(stack, cookie, { name: 'Offer', template: 'Hi {{name}}', csv });

        const draftResend = await stack.api(cookie, 'POST', `/api/campaigns/${campaign.id}/resend`, {});
        assert.equal(draftResend.status, 409, 'a draft has sent nothing');

        // WhatsApp refuses every message: neither is known to have arrived (failed, or unknown when
        // no answer came in time), and nothing is sent again by itself.
        await stack.control('PUT', '/control/config', { ackError: 479 });
        assert.equal((await stack.api(cookie, 'POST', `/api/campaigns/${campaign.id}/start`)).status, 200);
        const done = await waitForProgress(socket, campaign.id, (p) => p.status === 'completed', 90_000);
        assert.deepEqual([done.data.counts.failed + done.data.counts.unknown, done.data.counts.skipped, done.data.counts.sent], [2, 1, 0]);
        await stack.control('PUT', '/control/config', { ackError: null });
        await stack.control('DELETE', '/control/messages');

        const resend = await stack.api(cookie, 'POST', `/api/campaigns/${campaign.id}/resend`, { name: 'Offer, again' });
        assert.equal(resend.status, 201, JSON.stringify(resend.json));
        assert.deepEqual([resend.json.status, resend.json.name, resend.json.template], ['draft', 'Offer, again', 'Hi {{name}}']);
        assert.deepEqual(resend.json.counts, { total: 2, pending: 2, sent: 0, delivered: 0, read: 0, failed: 0, skipped: 0, unknown: 0 });
        assert.deepEqual(resend.json.limits, campaign.limits);
        const original = await stack.api(cookie, 'GET', `/api/campaigns/${campaign.id}`);
        assert.equal(original.json.counts.failed + original.json.counts.unknown, 2, 'the first campaign is left as it was');
        assert.equal((await stack.control('GET', '/control/messages') as { messages: unknown[] }).messages.length, 0, 'nothing was sent again by itself');
        assert.equal((await stack.api(cookie, 'POST', `/api/campaigns/${resend.json.id}/start`)).status, 200);
        await waitForProgress(socket, resend.json.id, (p) => p.status === 'completed' && p.counts.sent === 2, 30_000);

        // Nothing failed this time: nothing to send again.
        const nothing = await stack.api(cookie, 'POST', `/api/campaigns/${resend.json.id}/resend`, {});
        assert.equal(nothing.status, 409);
        assert.equal(nothing.json.error.code, 'no_recipients');

        // Duplicate: every recipient again, the invalid row still skipped with its reason, a name that says so.
        const copy = await stack.api(cookie, 'POST', `/api/campaigns/${campaign.id}/duplicate`);
        assert.equal(copy.status, 201);
        assert.equal(copy.json.name, 'Offer (copy)');
        assert.deepEqual([copy.json.counts.total, copy.json.counts.pending, copy.json.counts.skipped], [3, 2, 1]);
        const copied = await allRecipients(stack, cookie, copy.json.id);
        assert.deepEqual(copied.map((r) => [r.phone, r.status, r.reason, r.variables.city]), [
          [testNumber(1), 'pending', null, 'Jeddah'],
          [testNumber(2), 'pending', null, 'Dammam'],
          ['123', 'skipped', 'invalid', 'Nowhere'],
        ]);

        // Bulk delete: all or none.
        const second = await stack.api(cookie, 'POST', '/api/campaigns', { name: 'Another draft', template: 'Hi' });
        const mixed = await stack.api(cookie, 'POST', '/api/campaigns/delete-drafts', { ids: [copy.json.id, campaign.id] });
        assert.equal(mixed.status, 409, 'a completed campaign is not a draft');
        assert.equal((await stack.api(cookie, 'GET', `/api/campaigns/${copy.json.id}`)).status, 200, 'nothing was deleted');
        const deleted = await stack.api(cookie, 'POST', '/api/campaigns/delete-drafts', { ids: [copy.json.id, second.json.id] });
        assert.deepEqual([deleted.status, deleted.json], [200, { deleted: 2 }]);
        assert.equal((await stack.api(cookie, 'GET', `/api/campaigns/${copy.json.id}`)).status, 404);
        assert.equal((await stack.api(cookie, 'GET', `/api/campaigns/${copy.json.id}/recipients`)).status, 404);
        socket.close();
      });
    });

    test("the report CSV carries the audience's own columns, those the message doesn't use included, neutralised like every cell", async () => {
      await withSession({ database, linked: true }, async ({ stack, cookie }) => {
        const socket = await stack.socket(cookie, EVENTS);
        const csv = ['phone,name,city,branch,notes', `${testNumber(1)},Sara,Jeddah,North,"=HYPERLINK(""x"")"`, `${testNumber(2)},Omar,Dammam,South,VIP`].join('\n');
        const { campaign } = await createCampaign(stack, cookie, { template: 'Hi {{name}} in {{city}}', csv });
        assert.equal((await stack.api(cookie, 'POST', `/api/campaigns/${campaign.id}/start`)).status, 200);
        await waitForProgress(socket, campaign.id, (p) => p.status === 'completed', 30_000);
        const response = await fetch(`${stack.baseUrl}/api/campaigns/${campaign.id}/report.csv`, { headers: { cookie } });
        const rows: string[][] = parse((await response.text()).replace(/^\uFEFF/, ''));
        assert.deepEqual(rows[0], ['seq', 'phone', 'name', 'status', 'reason', 'error', 'sent_at', 'updated_at', 'message_id', 'line', 'city', 'branch', 'notes']);
        assert.deepEqual(rows.slice(1).map((row) => row.slice(10)), [
          ['Jeddah', 'North', `'=HYPERLINK("x")`],
          ['Dammam', 'South', 'VIP'],
        ]);
        socket.close();
      });
    });
  });
}
