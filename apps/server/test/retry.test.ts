import { describe, test } from './suite.js';
import assert from 'node:assert/strict';
import type { RetryRequest } from '@wasla/wa-emulator';
import { Stack, testDatabases } from './harness.js';
import { linkByQr, withSession } from './flows.js';
import { allRecipients, createCampaign, testNumber, waitForProgress } from './campaign-flows.js';
import type { TestSocket } from './ws-client.js';

const databases = await testDatabases();
const EVENTS = ['session_update', 'qr_code', 'message_status', 'campaign_progress'];

/** The retry receipts the emulated contacts sent for one message, once the client acked `count` of them. */
async function answeredRetries(stack: Stack, messageId: string, count: number): Promise<RetryRequest[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { retries } = (await stack.control('GET', '/control/retries')) as { retries: RetryRequest[] };
    const mine = retries.filter((r) => r.messageId === messageId);
    if (mine.length === count && mine.every((r) => r.answered)) return mine;
    if (Date.now() > deadline) throw new Error(`retries of ${messageId} never all answered: ${JSON.stringify(mine)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** What the asking device decrypted, or null. */
function resendOf(retry: RetryRequest | undefined): { type: string; count: number | null; text: string | null } | null {
  return retry?.resend ? { type: retry.resend.type, count: retry.resend.count, text: retry.resend.text } : null;
}

async function sendText(stack: Stack, cookie: string, to: string, text: string): Promise<string> {
  const sent = await stack.api(cookie, 'POST', '/api/messages', { to, text });
  assert.equal(sent.status, 202, JSON.stringify(sent.json));
  return sent.json.id as string;
}

function waitForRead(socket: TestSocket, id: string) {
  return socket.waitFor((m) => m.type === 'message_status' && m.data.id === id && m.data.status === 'read', 20_000);
}

for (const database of databases) {
  describe(`retry receipts on ${database.name}`, { skip: database.skip }, () => {
    test('a single message and campaign messages a contact device could not decrypt are sent again from what Wasla stored: same id, same text', async () => {
      await withSession({ database, linked: true }, async ({ stack, cookie }) => {
        const socket = await stack.socket(cookie, EVENTS);

        // A companion device (say the contact's WhatsApp Web) fails the single message.
        const single = testNumber(501);
        await stack.control('POST', '/control/refuse', { contact: single, device: 2, next: 1 });
        const id = await sendText(stack, cookie, single, 'مرحبا، رسالتك هنا');
        const [retry] = await answeredRetries(stack, id, 1);
        assert.deepEqual(resendOf(retry), { type: 'pkmsg', count: 1, text: 'مرحبا، رسالتك هنا' });
        await waitForRead(socket, id);
        // Another device asks by its LID, as WhatsApp addresses more and more chats.
        await stack.control('POST', '/control/refuse', { contact: single, device: 5, messageIds: ['unused'] });
        await stack.control('POST', '/control/retry', { contact: single, device: 5, id, lid: true, keys: true });
        const byLid = (await answeredRetries(stack, id, 2))[1];
        assert.match(byLid?.jid ?? '', /^\d+:5@lid$/);
        assert.deepEqual(resendOf(byLid), { type: 'pkmsg', count: 1, text: 'مرحبا، رسالتك هنا' });

        // Campaign: one recipient's companion fails its message, another's phone does (that
        // phone confirms delivery only once it could read the resend).
        const companionFails = testNumber(502);
        const phoneFails = testNumber(503);
        const fine = testNumber(504);
        await stack.control('POST', '/control/refuse', { contact: companionFails, device: 1, next: 1 });
        await stack.control('POST', '/control/refuse', { contact: phoneFails, device: 0, next: 1 });
        const csv = ['phone,name', `${companionFails},Amal`, `${phoneFails},Badr`, `${fine},Chadi`].join('\n');
        const { campaign } = await createCampaign(stack, cookie, { template: 'Hello {{name}}, كودك جاهز', csv });
        assert.equal((await stack.api(cookie, 'POST', `/api/campaigns/${campaign.id}/start`)).status, 200);
        await waitForProgress(socket, campaign.id, (p) => p.status === 'completed' && p.counts.read === 3, 60_000);

        const byPhone = new Map((await allRecipients(stack, cookie, campaign.id)).map((r) => [r.phone as string, r]));
        const [companionRetry] = await answeredRetries(stack, byPhone.get(companionFails).messageId, 1);
        assert.deepEqual(resendOf(companionRetry), { type: 'pkmsg', count: 1, text: 'Hello Amal, كودك جاهز' });
        const [phoneRetry] = await answeredRetries(stack, byPhone.get(phoneFails).messageId, 1);
        // The phone asking makes WhatsApp clients send to every device of the user: no retry count.
        assert.deepEqual(resendOf(phoneRetry), { type: 'pkmsg', count: null, text: 'Hello Badr, كودك جاهز' });
        const { retries } = (await stack.control('GET', '/control/retries')) as { retries: RetryRequest[] };
        assert.equal(retries.filter((r) => r.messageId === byPhone.get(fine).messageId).length, 0);
      });
    });

    test('retry counts survive reconnects and restarts: two resends per message and device, never a third', async () => {
      let stack = await Stack.start({ database });
      try {
        let cookie = await stack.login();
        let socket = await stack.socket(cookie, EVENTS);
        await linkByQr(stack, cookie, socket);
        const contact = testNumber(601);
        await stack.control('POST', '/control/refuse', { contact, device: 3, next: 1 });
        const id = await sendText(stack, cookie, contact, 'try, try again');
        assert.deepEqual(resendOf((await answeredRetries(stack, id, 1))[0]), { type: 'pkmsg', count: 1, text: 'try, try again' });

        // A new connection of the session: the device asks again and gets the second resend.
        const from = socket.received.length;
        assert.equal((await stack.api(cookie, 'POST', '/api/session/restart')).status, 200);
        await socket.waitForStatus('ready', 20_000, from);
        await stack.control('POST', '/control/retry', { contact, device: 3, id });
        assert.deepEqual(resendOf((await answeredRetries(stack, id, 2))[1]), { type: 'pkmsg', count: 2, text: 'try, try again' });

        // A restarted server: the third request is over the limit and gets nothing.
        socket.close();
        stack = await stack.restart();
        cookie = await stack.login();
        socket = await stack.socket(cookie, EVENTS);
        await socket.waitForStatus('ready', 20_000);
        await stack.control('POST', '/control/retry', { contact, device: 3, id });
        assert.equal((await answeredRetries(stack, id, 3))[2]?.resend, null);

        // Another device of the same contact has its own allowance.
        await stack.control('POST', '/control/refuse', { contact, device: 4, next: 0, messageIds: ['unused'] });
        await stack.control('POST', '/control/retry', { contact, device: 4, id, keys: true });
        const fourth = (await answeredRetries(stack, id, 4))[3];
        assert.deepEqual({ device: fourth?.device, resend: resendOf(fourth) }, { device: 4, resend: { type: 'pkmsg', count: 1, text: 'try, try again' } });
        socket.close();
      } finally {
        await stack.close();
      }
    });

    test('a retry for an id Wasla never sent gets nothing and breaks nothing', async () => {
      await withSession({ database, linked: true }, async ({ stack, cookie }) => {
        const socket = await stack.socket(cookie, EVENTS);
        const contact = testNumber(701);
        const before = await sendText(stack, cookie, contact, 'before');
        await waitForRead(socket, before);
        for (const device of [0, 1]) {
          if (device !== 0) await stack.control('POST', '/control/refuse', { contact, device, messageIds: ['unused'] });
          const unknown = `3EB0${'0F'.repeat(9)}${device}`;
          await stack.control('POST', '/control/retry', { contact, device, id: unknown, keys: true });
          assert.equal((await answeredRetries(stack, unknown, 1))[0]?.resend, null);
        }
        // The session stays ready and the next message goes through as usual.
        assert.equal((await stack.api(cookie, 'GET', '/api/session/state')).json.status, 'ready');
        const after = await sendText(stack, cookie, contact, 'after');
        await waitForRead(socket, after);
      });
    });
  });
}
