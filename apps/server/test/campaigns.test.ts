import { describe, test } from './suite.js';
import assert from 'node:assert/strict';
import type { WsSessionUpdate } from '@wasla/protocol';
import { Stack, testDatabases } from './harness.js';
import { linkByQr, withSession } from './flows.js';
import { allRecipients, createCampaign, receivedByRecipient, testNumber, uploadCsv, waitForProgress, worldMessages } from './campaign-flows.js';

const databases = await testDatabases();
const EVENTS = ['session_update', 'qr_code', 'message_status', 'message_received', 'campaign_progress'];
const CITIES = ['Riyadh', 'Jeddah', 'الدمام', 'Abha'];

for (const database of databases) {
  describe(`campaigns on ${database.name}`, { skip: database.skip }, () => {
    test('200 recipients from CSV: each number gets its own text once; invalid, duplicate, opted-out and not-on-WhatsApp rows are skipped; the report adds up', async () => {
      await withSession({ database, linked: true }, async ({ stack, cookie }) => {
        const socket = await stack.socket(cookie, EVENTS);
        // 185 distinct valid numbers, 10 of them not on WhatsApp and 5 opted out; 10 invalid rows; 5 repeats.
        const valid = Array.from({ length: 185 }, (_, i) => testNumber(i + 1));
        const notOnWhatsApp = valid.slice(20, 30);
        const optedOut = valid.slice(40, 45);
        await stack.control('PUT', '/control/numbers', { onWhatsApp: [...valid.filter((n) => !notOnWhatsApp.includes(n)), '+966501234567'] });
        for (const [i, phone] of optedOut.entries()) {
          await stack.control('POST', '/control/inbound', { from: phone, text: [' STOP ', 'stop', 'إيقاف', 'الغاء', 'Stop'][i] });
        }
        // Incoming replies are stored and shown with the messages; the opt-outs are listed.
        for (const phone of optedOut) await socket.waitFor((m) => m.type === 'message_received' && m.data.peer === phone);
        const optOuts = await stack.api(cookie, 'GET', '/api/suppressions?limit=100');
        assert.deepEqual(optOuts.json.items.map((s: { phone: string }) => s.phone).sort(), [...optedOut].sort());
        const inbox = await stack.api(cookie, 'GET', '/api/messages?limit=100');
        assert.equal(inbox.json.items.filter((m: { direction: string }) => m.direction === 'in').length, 5);

        const lines = ['phone,name,code,city'];
        const expected = new Map<string, string>();
        valid.forEach((phone, i) => {
          const local = `0${phone.slice(4)}`; // as people type them: 05…
          const name = i % 2 ? `Customer ${i}` : `عميل ${i}`;
          lines.push(`${i % 3 ? local : phone},"${name}",C${i},${CITIES[i % 4]}`);
          expected.set(phone, `Hello ${name}, your code is C${i} (${CITIES[i % 4]})`);
        });
        for (let i = 0; i < 10; i += 1) lines.splice(10 + i * 15, 0, `12${i},Bad ${i},X${i},Riyadh`);
        for (let i = 0; i < 5; i += 1) lines.push(`${valid[i * 7]},Again ${i},D${i},Riyadh`);
        assert.equal(lines.length - 1, 200);

        const { campaign, imported } = await createCampaign(stack, cookie, { template: 'Hello {{name}}, your code is {{code}} ({{city}})', csv: lines.join('\n') });
        assert.equal(imported.rows, 200);
        assert.equal(imported.accepted, 185);
        assert.equal(imported.invalid, 10);
        assert.equal(imported.duplicates, 5);
        assert.deepEqual(imported.variables, ['code', 'city']);
        assert.deepEqual(imported.problems.filter((p) => p.code === 'invalid').map((p) => p.line), Array.from({ length: 10 }, (_, i) => 11 + i * 15));

        const preview = await stack.api(cookie, 'POST', `/api/campaigns/${campaign.id}/preview`, { template: 'Hi {{name}} in {{city}} {{missing}}', seq: 2 });
        assert.equal(preview.json.text, `Hi Customer 1 in Jeddah {{missing}}`);
        assert.deepEqual(preview.json.missing, ['missing']);

        const started = await stack.api(cookie, 'POST', `/api/campaigns/${campaign.id}/start`);
        assert.equal(started.status, 200, JSON.stringify(started.json));
        assert.equal(started.json.status, 'running');
        const done = await waitForProgress(socket, campaign.id, (p) => p.status === 'completed', 60_000);
        assert.equal(done.data.counts.pending, 0);

        // The emulated world got exactly one message per sent recipient, with its own text.
        const received = await receivedByRecipient(stack);
        const sendable = valid.filter((n) => !notOnWhatsApp.includes(n) && !optedOut.includes(n));
        assert.equal(sendable.length, 170);
        assert.deepEqual([...received.keys()].sort(), [...sendable].sort());
        for (const phone of sendable) {
          assert.deepEqual(received.get(phone)?.map((m) => m.text), [expected.get(phone)], phone);
        }

        const recipients = await allRecipients(stack, cookie, campaign.id);
        assert.equal(recipients.length, 200);
        const byPhone = new Map(recipients.filter((r) => r.reason !== 'duplicate').map((r) => [r.phone, r]));
        for (const phone of notOnWhatsApp) assert.deepEqual([byPhone.get(phone)?.status, byPhone.get(phone)?.reason], ['skipped', 'not_on_whatsapp']);
        for (const phone of optedOut) assert.deepEqual([byPhone.get(phone)?.status, byPhone.get(phone)?.reason], ['skipped', 'opted_out']);
        for (const phone of sendable) assert.equal(byPhone.get(phone)?.messageId, received.get(phone)?.[0]?.id);

        // Receipts arrive after the acks: wait until every sent message was read (the emulator reads them all).
        await waitForProgress(socket, campaign.id, (p) => p.counts.read === 170, 30_000);
        const report = await stack.api(cookie, 'GET', `/api/campaigns/${campaign.id}/report`);
        assert.equal(report.status, 200);
        assert.deepEqual(report.json.totals, {
          sent: 170,
          delivered: 170,
          read: 170,
          failed: 0,
          skipped: 30,
          unknown: 0,
          pending: 0,
          failedByReason: {},
          skippedByReason: { invalid: 10, duplicate: 5, not_on_whatsapp: 10, opted_out: 5 },
        });
        // One definition everywhere: the campaign's counts are the report's (sent includes delivered and read).
        assert.deepEqual(report.json.campaign.counts, { total: 200, pending: 0, sent: 170, delivered: 170, read: 170, failed: 0, skipped: 30, unknown: 0 });

        const csv = await fetch(`${stack.baseUrl}/api/campaigns/${campaign.id}/report.csv`, { headers: { cookie } });
        assert.equal(csv.status, 200);
        assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
        const rows = (await csv.text()).replace(/^\uFEFF/, '').trim().split(/\r?\n/);
        assert.equal(rows[0], 'seq,phone,name,status,reason,error,sent_at,updated_at,message_id,line,code,city');
        assert.equal(rows.length, 201);
        assert.equal(rows.filter((row) => row.includes(',read,')).length, 170);

        const today = new Date().toISOString().slice(0, 10);
        const range = await stack.api(cookie, 'GET', `/api/reports?from=${today}&to=${today}&timeZone=UTC`);
        assert.equal(range.status, 200, JSON.stringify(range.json));
        assert.equal(range.json.totals.read, 170);
        assert.deepEqual(range.json.totals.skippedByReason, { invalid: 10, duplicate: 5, not_on_whatsapp: 10, opted_out: 5 });
        assert.deepEqual(range.json.days, [{ day: today, sent: 170, delivered: 170, read: 170, failed: 0 }]);
        assert.deepEqual(range.json.campaigns.map((c: { id: string }) => c.id), [campaign.id]);

        // A single send to an opted-out number is refused too.
        const refused = await stack.api(cookie, 'POST', '/api/messages', { to: optedOut[0], text: 'hello?' });
        assert.equal(refused.status, 409);
        assert.equal(refused.json.error.code, 'opted_out');
        socket.close();
      });
    });

    test('an opt-out reply is honoured by the next campaign', async () => {
      await withSession({ database, linked: true }, async ({ stack, cookie }) => {
        const socket = await stack.socket(cookie, EVENTS);
        const [a, b, c] = [testNumber(1), testNumber(2), testNumber(3)];
        const first = await createCampaign(stack, cookie, { template: 'Offer for {{name}}', csv: `phone,name\n${a},A\n${b},B\n${c},C\n` });
        await stack.api(cookie, 'POST', `/api/campaigns/${first.campaign.id}/start`);
        await waitForProgress(socket, first.campaign.id, (p) => p.status === 'completed');
        await stack.control('POST', '/control/inbound', { from: b, text: '  إيقاف  ' });
        await socket.waitFor((m) => m.type === 'message_received' && m.data.peer === b && m.data.text === '  إيقاف  ');
        const second = await createCampaign(stack, cookie, { template: 'Second offer for {{name}}', csv: `phone,name\n${a},A\n${b},B\n${c},C\n` });
        await stack.api(cookie, 'POST', `/api/campaigns/${second.campaign.id}/start`);
        const done = await waitForProgress(socket, second.campaign.id, (p) => p.status === 'completed');
        assert.equal(done.data.counts.skipped, 1);
        const received = await receivedByRecipient(stack);
        assert.deepEqual(received.get(b)?.map((m) => m.text), ['Offer for B']);
        assert.deepEqual(received.get(a)?.map((m) => m.text), ['Offer for A', 'Second offer for A']);
        const recipients = await allRecipients(stack, cookie, second.campaign.id);
        assert.deepEqual(recipients.map((r) => [r.phone, r.status === 'skipped' ? r.reason : 'sent']), [[a, 'sent'], [b, 'opted_out'], [c, 'sent']].map(([p, s]) => [p, s]));
        socket.close();
      });
    });

    test('the phone logs out mid-campaign: the campaign pauses, and resumes after relinking', async () => {
      await withSession({ database, linked: true }, async ({ stack, cookie }) => {
        const socket = await stack.socket(cookie, EVENTS);
        const phones = Array.from({ length: 30 }, (_, i) => testNumber(i + 1));
        const { campaign } = await createCampaign(stack, cookie, {
          template: 'Hi {{name}}',
          csv: ['phone,name', ...phones.map((p, i) => `${p},N${i}`)].join('\n'),
          limits: { minGapMs: 100, maxGapMs: 100 },
        });
        await stack.api(cookie, 'POST', `/api/campaigns/${campaign.id}/start`);
        await waitForProgress(socket, campaign.id, (p) => p.counts.total - p.counts.pending >= 5);
        await stack.control('POST', '/control/logout');
        const paused = await waitForProgress(socket, campaign.id, (p) => p.status === 'paused');
        assert.equal(paused.data.pause.code, 'session_not_ready');
        const sentBefore = (await worldMessages(stack)).length;
        assert.ok(sentBefore < 30, `only part was sent before the logout (${sentBefore})`);
        const state = await stack.api(cookie, 'GET', `/api/campaigns/${campaign.id}`);
        assert.equal(state.json.status, 'paused');
        assert.match(state.json.pause.reason, /resumes by itself/);

        const from = socket.received.length;
        await linkByQr(stack, cookie, socket);
        await waitForProgress(socket, campaign.id, (p) => p.status === 'running', 30_000, from);
        const done = await waitForProgress(socket, campaign.id, (p) => p.status === 'completed', 30_000, from);
        // A message whose send the logout interrupted is unknown, never resent.
        assert.equal(done.data.counts.pending, 0);
        const received = await receivedByRecipient(stack);
        for (const phone of phones) assert.ok((received.get(phone)?.length ?? 0) <= 1, `${phone} got at most one message`);
        const recipients = await allRecipients(stack, cookie, campaign.id);
        const delivered = recipients.filter((r) => ['sent', 'delivered', 'read'].includes(r.status)).length;
        const unknown = recipients.filter((r) => r.status === 'unknown').length;
        assert.equal(delivered + unknown, 30);
        assert.equal(received.size, delivered + recipients.filter((r) => r.status === 'unknown' && received.has(r.phone)).length);
        socket.close();
      });
    });

    test('WhatsApp answers 463: sending stops at once and the campaign says why', async () => {
      await withSession({ database, linked: true }, async ({ stack, cookie }) => {
        const socket = await stack.socket(cookie, EVENTS);
        const phones = Array.from({ length: 20 }, (_, i) => testNumber(i + 1));
        const { campaign } = await createCampaign(stack, cookie, { template: 'Hi {{name}}', csv: ['phone,name', ...phones.map((p, i) => `${p},N${i}`)].join('\n'), limits: { minGapMs: 50, maxGapMs: 50 } });
        await stack.api(cookie, 'POST', `/api/campaigns/${campaign.id}/start`);
        await waitForProgress(socket, campaign.id, (p) => p.counts.read + p.counts.delivered + p.counts.sent >= 3);
        await stack.control('PUT', '/control/config', { ackError: 463 });
        const paused = await waitForProgress(socket, campaign.id, (p) => p.status === 'paused');
        assert.equal(paused.data.pause.code, 'account_restricted');
        assert.match(paused.data.pause.reason, /463/);
        const afterPause = await worldMessages(stack);
        // Exactly one message was sent after the restriction: the one its ack refused.
        assert.equal(afterPause.filter((m) => m.status === 'error').length, 1);
        const recipients = await allRecipients(stack, cookie, campaign.id);
        const failed = recipients.filter((r) => r.status === 'failed');
        assert.equal(failed.length, 1);
        assert.equal(failed[0].reason, '463');
        assert.equal(recipients.filter((r) => r.status === 'pending').length, 20 - afterPause.length);
        // Nothing more goes out while restricted, even once WhatsApp would accept again: a
        // single message is refused the same way, and a new campaign pauses at once.
        await stack.control('PUT', '/control/config', { ackError: null });
        const state = await stack.api(cookie, 'GET', '/api/session/state');
        assert.equal(state.json.restriction?.code, '463');
        const probe = await stack.api(cookie, 'POST', '/api/messages', { to: testNumber(99), text: 'refused while restricted' });
        assert.equal(probe.status, 409);
        assert.equal(probe.json.error.code, 'account_restricted');
        assert.match(probe.json.error.message, /463/);
        const second = await createCampaign(stack, cookie, { template: 'Hi', csv: `phone\n${testNumber(98)}` });
        const started = await stack.api(cookie, 'POST', `/api/campaigns/${second.campaign.id}/start`);
        assert.deepEqual([started.json.status, started.json.pause?.code], ['paused', 'account_restricted']);
        assert.equal((await worldMessages(stack)).length, afterPause.length);
        const view = await stack.api(cookie, 'GET', `/api/campaigns/${campaign.id}`);
        assert.equal(view.json.status, 'paused');
        assert.equal(view.json.pause.code, 'account_restricted');
        // A person resumes anyway: that lifts the restriction, and it finishes.
        await stack.api(cookie, 'POST', `/api/campaigns/${campaign.id}/resume`);
        await waitForProgress(socket, campaign.id, (p) => p.status === 'completed');
        assert.equal((await worldMessages(stack)).length, 20);
        assert.equal((await stack.api(cookie, 'GET', '/api/session/state')).json.restriction, null);
        assert.equal((await stack.api(cookie, 'POST', '/api/messages', { to: testNumber(99), text: 'sent again' })).status, 202);
        socket.close();
      });
    });

    test('a single message acked 463 restricts the number; the restriction is stored (a restart keeps it) until a person lifts it', async () => {
      let stack = await Stack.start({ database });
      try {
        let cookie = await stack.login();
        const socket = await stack.socket(cookie);
        await linkByQr(stack, cookie, socket);
        await stack.control('PUT', '/control/config', { ackError: 463 });
        const first = await stack.api(cookie, 'POST', '/api/messages', { to: testNumber(1), text: 'the one WhatsApp refuses' });
        assert.equal(first.status, 202);
        const restricted = await socket.waitFor<WsSessionUpdate>((m) => m.type === 'session_update' && m.data.restriction !== null);
        assert.equal(restricted.data.restriction?.code, '463');
        assert.equal(restricted.data.status, 'ready', 'the link itself is fine');
        await stack.control('PUT', '/control/config', { ackError: null });
        const refused = await stack.api(cookie, 'POST', '/api/messages', { to: testNumber(2), text: 'refused' });
        assert.deepEqual([refused.status, refused.json.error.code], [409, 'account_restricted']);
        socket.close();

        stack = await stack.restart();
        cookie = await stack.login();
        const after = await stack.api(cookie, 'GET', '/api/session/state');
        assert.deepEqual(after.json.restriction, restricted.data.restriction, 'the same restriction, since the same moment');
        const lifted = await stack.api(cookie, 'POST', '/api/session/restriction/lift');
        assert.deepEqual([lifted.status, lifted.json.restriction], [200, null]);
        stack = await stack.restart();
        cookie = await stack.login();
        assert.equal((await stack.api(cookie, 'GET', '/api/session/state')).json.restriction, null, 'lifted for good');
      } finally {
        await stack.close();
      }
    });

    test('limits hold messages back: the hourly cap, quiet hours and a schedule, each reported as what the campaign waits for', async () => {
      await withSession({ database, linked: true }, async ({ stack, cookie }) => {
        const socket = await stack.socket(cookie, EVENTS);
        const csv = ['phone,name', ...Array.from({ length: 5 }, (_, i) => `${testNumber(i + 1)},N${i}`)].join('\n');
        const capped = await createCampaign(stack, cookie, { name: 'Capped', template: 'Hi {{name}}', csv, limits: { hourlyCap: 3, dailyCap: 10 } });
        await stack.api(cookie, 'POST', `/api/campaigns/${capped.campaign.id}/start`);
        const waiting = await waitForProgress(socket, capped.campaign.id, (p) => p.waiting?.code === 'hourly_cap');
        const until = Date.parse(waiting.data.waiting.until);
        assert.ok(until > Date.now() + 59 * 60_000 && until <= Date.now() + 60 * 60_000, `the cap frees an hour after the first send (${waiting.data.waiting.until})`);
        assert.equal((await worldMessages(stack)).length, 3);
        const paused = await stack.api(cookie, 'POST', `/api/campaigns/${capped.campaign.id}/pause`);
        assert.equal(paused.json.status, 'paused');
        assert.equal(paused.json.pause.code, 'user');
        assert.equal(paused.json.waiting, null);

        // Quiet hours that cover the present: nothing is sent; they end where they say.
        const hour = new Date().getUTCHours();
        const quietHours = { start: `${String((hour + 23) % 24).padStart(2, '0')}:00`, end: `${String((hour + 1) % 24).padStart(2, '0')}:00`, timeZone: 'UTC' };
        const quiet = await createCampaign(stack, cookie, { name: 'Quiet', template: 'Hi {{name}}', csv, limits: { quietHours } });
        await stack.api(cookie, 'POST', `/api/campaigns/${quiet.campaign.id}/start`);
        const night = await waitForProgress(socket, quiet.campaign.id, (p) => p.waiting?.code === 'quiet_hours');
        assert.equal(new Date(night.data.waiting.until).getUTCHours(), (hour + 1) % 24);
        assert.equal(new Date(night.data.waiting.until).getUTCMinutes(), 0);
        const cancelled = await stack.api(cookie, 'POST', `/api/campaigns/${quiet.campaign.id}/cancel`);
        assert.equal(cancelled.json.status, 'cancelled');
        assert.equal(cancelled.json.counts.pending, 5);
        assert.equal((await worldMessages(stack)).length, 3);

        // A schedule: started now, sending from its time.
        const later = await createCampaign(stack, cookie, { name: 'Later', template: 'Hi {{name}}', csv: `phone,name\n${testNumber(50)},Z\n` });
        const scheduledAt = new Date(Date.now() + 1500).toISOString();
        await stack.api(cookie, 'PATCH', `/api/campaigns/${later.campaign.id}`, { scheduledAt });
        const scheduled = await stack.api(cookie, 'POST', `/api/campaigns/${later.campaign.id}/start`);
        assert.equal(scheduled.json.status, 'scheduled');
        const done = await waitForProgress(socket, later.campaign.id, (p) => p.status === 'completed');
        assert.ok(Date.parse(done.data.at) >= Date.parse(scheduledAt));
        const received = await receivedByRecipient(stack);
        assert.deepEqual(received.get(testNumber(50))?.map((m) => m.text), ['Hi Z']);

        // Paused before its time and resumed, a scheduled campaign waits for its time again.
        const far = await createCampaign(stack, cookie, { name: 'Far', template: 'Hi {{name}}', csv: `phone,name\n${testNumber(60)},Y\n` });
        await stack.api(cookie, 'PATCH', `/api/campaigns/${far.campaign.id}`, { scheduledAt: new Date(Date.now() + 3_600_000).toISOString() });
        assert.equal((await stack.api(cookie, 'POST', `/api/campaigns/${far.campaign.id}/start`)).json.startedAt, null);
        assert.equal((await stack.api(cookie, 'POST', `/api/campaigns/${far.campaign.id}/pause`)).json.status, 'paused');
        assert.equal((await stack.api(cookie, 'POST', `/api/campaigns/${far.campaign.id}/resume`)).json.status, 'scheduled');
        assert.equal((await stack.api(cookie, 'POST', `/api/campaigns/${far.campaign.id}/cancel`)).json.status, 'cancelled');

        // Started campaigns can't be edited; bad limits are refused with the field named.
        const edit = await stack.api(cookie, 'PATCH', `/api/campaigns/${later.campaign.id}`, { name: 'Renamed' });
        assert.equal(edit.status, 409);
        const bad = await stack.api(cookie, 'POST', '/api/campaigns', { name: 'Bad', template: 'x', limits: { minGapMs: 5000, maxGapMs: 1000 } });
        assert.equal(bad.status, 400);
        assert.match(bad.json.error.message, /maxGapMs/);
        const badTemplate = await stack.api(cookie, 'POST', '/api/campaigns', { name: 'Bad', template: 'Hi {{first name}}' });
        assert.equal(badTemplate.status, 400);
        assert.match(badTemplate.json.error.message, /not a variable/);
        socket.close();
      });
    });

    test('a recipient whose phone is offline does not hold the campaign: the outbox goes on at the server ack', async () => {
      await withSession({ database, linked: true }, async ({ stack, cookie }) => {
        const socket = await stack.socket(cookie, EVENTS);
        // No delivery receipt for ten minutes: the phones are off.
        await stack.control('PUT', '/control/config', { deliveredDelayMs: 600_000, readDelayMs: 600_000 });
        const { campaign } = await createCampaign(stack, cookie, { template: 'Hi {{name}}', csv: ['phone,name', ...[1, 2, 3, 4, 5].map((i) => `${testNumber(i)},N${i}`)].join('\n') });
        await stack.api(cookie, 'POST', `/api/campaigns/${campaign.id}/start`);
        // Well before the outbox's 20 s ack timeout would let a second message go.
        const done = await waitForProgress(socket, campaign.id, (p) => p.status === 'completed', 15_000);
        assert.equal(done.data.counts.sent, 5);
        assert.equal((await worldMessages(stack)).length, 5);
        socket.close();
      });
    });

    test('a restriction seen on a single send holds a campaign started after it, with the reason', async () => {
      await withSession({ database, linked: true }, async ({ stack, cookie }) => {
        const socket = await stack.socket(cookie, EVENTS);
        await stack.control('PUT', '/control/config', { ackError: 463 });
        const single = await stack.api(cookie, 'POST', '/api/messages', { to: testNumber(90), text: 'hello' });
        await socket.waitFor((m) => m.type === 'message_status' && m.data.id === single.json.id && m.data.status === 'failed');
        const { campaign } = await createCampaign(stack, cookie, { template: 'Hi {{name}}', csv: `phone,name\n${testNumber(1)},A\n` });
        const started = await stack.api(cookie, 'POST', `/api/campaigns/${campaign.id}/start`);
        assert.equal(started.json.status, 'paused');
        assert.equal(started.json.pause.code, 'account_restricted');
        assert.equal((await worldMessages(stack)).length, 1);
        await stack.control('PUT', '/control/config', { ackError: null });
        const resumed = await stack.api(cookie, 'POST', `/api/campaigns/${campaign.id}/resume`);
        assert.equal(resumed.json.status, 'running');
        await waitForProgress(socket, campaign.id, (p) => p.status === 'completed');
        assert.equal((await worldMessages(stack)).length, 2);
        socket.close();
      });
    });

    test('a file that fails imports nothing and says why', async () => {
      await withSession({ database }, async ({ stack, cookie }) => {
        const created = await stack.api(cookie, 'POST', '/api/campaigns', { name: 'Bad files', template: 'Hi {{name}}' });
        const id = created.json.id;
        const good = `phone,name\n${testNumber(1)},A\n`;
        const cases: { name: string; body: string | Buffer; message: RegExp }[] = [
          { name: 'empty', body: '', message: /empty/i },
          { name: 'Latin-1', body: Buffer.concat([Buffer.from(`phone,name\n${testNumber(1)},Jos`), Buffer.from([0xe9]), Buffer.from('\n')]), message: /UTF-8/ },
          { name: 'no phone column', body: `name,city\nA,Riyadh\n`, message: /phone/i },
          { name: '1 MB line', body: `phone,name\n${testNumber(1)},${'x'.repeat(1024 * 1024)}\n`, message: /line 2/i },
          { name: 'unbalanced quote', body: `${good}${testNumber(2)},"B\n${testNumber(3)},C\n`, message: /line/i },
        ];
        for (const { name, body, message } of cases) {
          const response = await uploadCsv(stack, cookie, id, body);
          assert.equal(response.status, 400, `${name}: ${JSON.stringify(response.json)}`);
          assert.equal(response.json.error.code, 'invalid_csv', name);
          assert.match(response.json.error.message, message, name);
        }
        // Rows before a bad line were not kept either.
        const late = await uploadCsv(stack, cookie, id, `${good}${Array.from({ length: 3000 }, (_, i) => `${testNumber(i + 10)},N`).join('\n')}\n${testNumber(5)},"broken\n`);
        assert.equal(late.status, 400);
        const campaign = await stack.api(cookie, 'GET', `/api/campaigns/${id}`);
        assert.equal(campaign.json.counts.total, 0);
        const start = await stack.api(cookie, 'POST', `/api/campaigns/${id}/start`);
        assert.equal(start.status, 409);
        assert.equal(start.json.error.code, 'no_recipients');

        // A template variable some recipients lack: a clear error before starting.
        const ok = await uploadCsv(stack, cookie, id, `phone,name,city\n${testNumber(1)},A,Riyadh\n${testNumber(2)},B,\n`);
        assert.equal(ok.status, 200);
        await stack.api(cookie, 'PATCH', `/api/campaigns/${id}`, { template: 'Hi {{name}} in {{city}}' });
        const missing = await stack.api(cookie, 'POST', `/api/campaigns/${id}/start`);
        assert.equal(missing.status, 422);
        assert.equal(missing.json.error.code, 'missing_variables');
        assert.deepEqual(missing.json.error.details.missing, [{ variable: 'city', count: 1, firstSeq: 2 }]);
        const unsupported = await fetch(`${stack.baseUrl}/api/campaigns/${id}/recipients`, { method: 'POST', headers: { cookie, origin: stack.baseUrl, 'content-type': 'text/xml' }, body: '<a/>' });
        assert.equal(unsupported.status, 415);
      });
    });
  });
}
