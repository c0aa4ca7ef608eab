import { test } from './suite.js';
import assert from 'node:assert/strict';
import { PHONE, ADMIN, Stack, describeOnEachDatabase, testDatabases } from './harness.js';
import { linkByQr } from './flows.js';
import { createCampaign, waitForProgress } from './campaign-flows.js';

const databases = await testDatabases();

describeOnEachDatabase(databases, 'logs', (database) => {
  test('at info level the logs hold no phone number, QR, pairing code, message text or secret', async () => {
    const lines: string[] = [];
    const stack = await Stack.start({ database, log: { level: 'info', stream: { write: (line) => void lines.push(line) } } });
    try {
      const cookie = await stack.login();
      const socket = await stack.socket(cookie);
      await linkByQr(stack, cookie, socket);
      const text = 'a private message body';
      const sent = await stack.api(cookie, 'POST', '/api/messages', { to: '+966551234567', text });
      await socket.waitFor((m) => m.type === 'message_status' && m.data.id === sent.json.id && m.data.status === 'read');
      // An incoming opt-out and a small campaign: no recipient's number or text in the logs either.
      const campaignSocket = await stack.socket(cookie, ['message_received', 'campaign_progress']);
      await stack.control('POST', '/control/inbound', { from: '+966551112222', text: 'STOP' });
      await campaignSocket.waitFor((m) => m.type === 'message_received');
      const { campaign } = await createCampaign(stack, cookie, { template: 'Your code {{code}}', csv: 'phone,name,code\n+966551113333,Sara,SECRET-CODE-1\n+966551112222,Opted,SECRET-CODE-2\n' });
      await stack.api(cookie, 'POST', `/api/campaigns/${campaign.id}/start`);
      await waitForProgress(campaignSocket, campaign.id, (p) => p.status === 'completed');
      campaignSocket.close();
      const key = (await stack.api(cookie, 'POST', '/api/api-keys', { name: 'ci' })).json.key as string;
      const qr = socket.received.find((m) => m.type === 'qr_code');
      const log = lines.join('');
      assert.ok(log.includes('session transition'), 'the logs do say what happened');
      const digits = (value: string) => value.replace(/\D/g, '');
      for (const secret of [digits(PHONE), '966551234567', '966551112222', '966551113333', 'SECRET-CODE', 'Sara', text, ADMIN.password, key, cookie.split('=')[1]!]) {
        assert.ok(!log.includes(secret), `the logs contain ${secret.slice(0, 12)}…`);
      }
      assert.ok(qr && qr.type === 'qr_code' && !log.includes(qr.data.qr.slice(30, 90)), 'no QR image in the logs');
      assert.ok(!/data:image\/png/.test(log));
      socket.close();
    } finally {
      await stack.close();
    }
  });
});
