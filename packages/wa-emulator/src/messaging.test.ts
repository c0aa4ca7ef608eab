import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEmulator, type Emulator, type ReceivedMessage } from './index.js';
import { control, openSocket, pairByQr, trackStatuses, type WASocket } from './testing/harness.js';

const PHONE = '+966501234567';
const READ = 4;
const ERROR = 0;

describe('messaging', () => {
  let emulator: Emulator;
  let sock: WASocket;
  let statuses: ReturnType<typeof trackStatuses>;

  before(async () => {
    emulator = await startEmulator({ phone: PHONE, deliveredDelayMs: 20, readDelayMs: 30 });
    const auth = await pairByQr(emulator);
    sock = await openSocket(emulator, auth);
    statuses = trackStatuses(sock);
  });
  after(async () => {
    sock.end(undefined);
    await emulator.close();
  });

  const messages = async () => (await control<{ messages: ReceivedMessage[] }>(emulator, 'GET', '/control/messages')).body.messages;

  it('decrypts what the client sends and answers with delivery and read receipts', async () => {
    const sent = await sock.sendMessage('966500000001@s.whatsapp.net', { text: 'مرحبا hello' });
    const id = sent?.key.id;
    assert.ok(id);
    assert.equal((await statuses.waitFor(id, s => s.status >= READ)).status, READ);
    const [received] = (await messages()).filter(m => m.id === id);
    assert.ok(received);
    assert.equal(received.text, 'مرحبا hello');
    assert.equal(received.from, PHONE);
    assert.equal(received.to, '+966500000001');
    assert.equal(received.status, 'read');
    assert.ok(!Number.isNaN(Date.parse(received.receivedAt)));

    // The Signal session carries on: a second message is a plain `msg`, not a new `pkmsg`.
    const second = await sock.sendMessage('966500000001@s.whatsapp.net', { text: 'second' });
    await statuses.waitFor(second!.key.id!, s => s.status >= READ);
    assert.equal((await messages()).find(m => m.id === second!.key.id)?.text, 'second');
  });

  it('onWhatsApp honours PUT /control/numbers', async () => {
    assert.deepEqual(await sock.onWhatsApp('966500000002'), [{ jid: '966500000002@s.whatsapp.net', exists: true }]);
    const put = await control(emulator, 'PUT', '/control/numbers', { onWhatsApp: ['+966500000003', '966500000004'] });
    assert.equal(put.status, 200);
    const found = await sock.onWhatsApp('966500000002', '966500000003', '966500000004');
    assert.deepEqual(found?.map(r => r.jid).sort(), ['966500000003@s.whatsapp.net', '966500000004@s.whatsapp.net']);
    const bad = await control(emulator, 'PUT', '/control/numbers', { onWhatsApp: ['nope'] });
    assert.equal(bad.status, 400);
    await control(emulator, 'PUT', '/control/numbers', { onWhatsApp: '*' });
    assert.equal((await sock.onWhatsApp('966500000002'))?.length, 1);
  });

  it('a message to a number not on WhatsApp is acked but never delivered', async () => {
    await control(emulator, 'PUT', '/control/numbers', { onWhatsApp: [] });
    try {
      const sent = await sock.sendMessage('966500000009@s.whatsapp.net', { text: 'anyone?' });
      const id = sent!.key.id!;
      await waitUntil(async () => (await messages()).some(m => m.id === id));
      const received = (await messages()).find(m => m.id === id);
      assert.equal(received?.status, 'acked');
      assert.equal(received?.to, '+966500000009');
    } finally {
      await control(emulator, 'PUT', '/control/numbers', { onWhatsApp: '*' });
    }
  });

  it('ackError 463 makes Baileys report ERROR with 463 on messages.update', async () => {
    // A realistic ack latency lets the sent message leave Baileys' event buffer first.
    await control(emulator, 'PUT', '/control/config', { ackError: 463, ackDelayMs: 250 });
    try {
      const sent = await sock.sendMessage('966500000005@s.whatsapp.net', { text: 'restricted' });
      const id = sent!.key.id!;
      const seen = await statuses.waitFor(id, s => s.status === ERROR);
      assert.equal(seen.via, 'messages.update');
      assert.ok(seen.stub?.includes('463'), JSON.stringify(seen));
      const received = (await messages()).find(m => m.id === id);
      assert.equal(received?.status, 'error');
      assert.equal(received?.text, 'restricted');
    } finally {
      await control(emulator, 'PUT', '/control/config', { ackError: null, ackDelayMs: 0 });
    }
  });

  it('an immediate error ack still reaches the app as ERROR (Baileys may fold it into messages.upsert)', async () => {
    await control(emulator, 'PUT', '/control/config', { ackError: 463 });
    try {
      const sent = await sock.sendMessage('966500000006@s.whatsapp.net', { text: 'restricted too' });
      const seen = await statuses.waitFor(sent!.key.id!, s => s.status === ERROR);
      assert.ok(seen.stub?.includes('463'), JSON.stringify(seen));
    } finally {
      await control(emulator, 'PUT', '/control/config', { ackError: null });
    }
  });

  it('validates config and clears the message list', async () => {
    assert.equal((await control(emulator, 'PUT', '/control/config', { readDelayMs: -1 })).status, 400);
    assert.equal((await control(emulator, 'PUT', '/control/config', { ackError: 'x' })).status, 400);
    assert.equal((await control(emulator, 'DELETE', '/control/messages')).status, 200);
    assert.deepEqual(await messages(), []);
  });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition never became true');
    await new Promise(resolve => setTimeout(resolve, 20));
  }
}
