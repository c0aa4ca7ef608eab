import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { proto } from 'baileys';
import { startEmulator, type Emulator, type ReceivedMessage, type RetryRequest } from './index.js';
import { control, openSocket, pairByQr, trackStatuses, type WASocket } from './testing/harness.js';

const READ = 4;

describe('contact devices that cannot decrypt ask for a retry', () => {
  let emulator: Emulator;
  let sock: WASocket;
  let statuses: ReturnType<typeof trackStatuses>;
  // What the client sent, for Baileys' getMessage: a resend needs the original content.
  const sent = new Map<string, proto.IMessage>();

  before(async () => {
    emulator = await startEmulator({ phone: '+966501234567', deliveredDelayMs: 20, readDelayMs: 20 });
    const auth = await pairByQr(emulator);
    sock = await openSocket(emulator, auth, { getMessage: async key => sent.get(key.id ?? '') });
    statuses = trackStatuses(sock);
  });
  after(async () => {
    sock.end(undefined);
    await emulator.close();
  });

  async function send(digits: string, text: string, messageId?: string): Promise<string> {
    const message = await sock.sendMessage(`${digits}@s.whatsapp.net`, { text }, messageId ? { messageId } : {});
    assert.ok(message?.key.id && message.message);
    sent.set(message.key.id, message.message);
    return message.key.id;
  }

  const retries = async () => (await control<{ retries: RetryRequest[] }>(emulator, 'GET', '/control/retries')).body.retries;
  const messages = async () => (await control<{ messages: ReceivedMessage[] }>(emulator, 'GET', '/control/messages')).body.messages;

  /** The retries for one message once the client answered all of them. */
  async function answered(id: string, count: number): Promise<RetryRequest[]> {
    await waitUntil(async () => {
      const mine = (await retries()).filter(r => r.messageId === id);
      return mine.length === count && mine.every(r => r.answered);
    });
    return (await retries()).filter(r => r.messageId === id);
  }

  it('a companion device refuses the next message; the resend is a pkmsg with the same id, enc count and text', async () => {
    const refuse = await control(emulator, 'POST', '/control/refuse', { contact: '+966500000011', device: 2, next: 1 });
    assert.equal(refuse.status, 200, JSON.stringify(refuse.body));
    const id = await send('966500000011', 'رسالة أولى first');
    const [retry] = await answered(id, 1);
    assert.ok(retry);
    assert.equal(retry.contact, '+966500000011');
    assert.equal(retry.device, 2);
    assert.match(retry.jid, /:2@(s\.whatsapp\.net|lid)$/);
    assert.equal(retry.count, 1);
    assert.equal(retry.withKeys, false);
    assert.deepEqual(
      { type: retry.resend?.type, count: retry.resend?.count, text: retry.resend?.text },
      { type: 'pkmsg', count: 1, text: 'رسالة أولى first' },
    );
    // The phone read its own copy: the message still reaches read, once.
    await statuses.waitFor(id, s => s.status >= READ);
    assert.equal((await messages()).filter(m => m.id === id).length, 1);

    // A device may ask by its LID; the resend comes to that LID.
    await control(emulator, 'POST', '/control/refuse', { contact: '+966500000011', device: 4, messageIds: ['unused'] });
    const byLid = await control<{ retry: RetryRequest }>(emulator, 'POST', '/control/retry', { contact: '+966500000011', device: 4, id, lid: true });
    assert.match(byLid.body.retry.jid, /^\d+:4@lid$/);
    const [, lidRetry] = await answered(id, 2);
    assert.deepEqual({ type: lidRetry?.resend?.type, count: lidRetry?.resend?.count, text: lidRetry?.resend?.text }, { type: 'pkmsg', count: 1, text: 'رسالة أولى first' });

    // The next message is not refused: nothing more is asked.
    const next = await send('966500000011', 'second');
    await statuses.waitFor(next, s => s.status >= READ);
    assert.equal((await retries()).filter(r => r.messageId === next).length, 0);
  });

  it('a second retry carries keys and is answered; the third is past Baileys’ limit and gets nothing', async () => {
    await control(emulator, 'POST', '/control/refuse', { contact: '+966500000012', device: 3, next: 1 });
    const id = await send('966500000012', 'ask me thrice');
    await answered(id, 1);
    const again = await control<{ retry: RetryRequest }>(emulator, 'POST', '/control/retry', { contact: '+966500000012', device: 3, id });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.deepEqual({ count: again.body.retry.count, withKeys: again.body.retry.withKeys }, { count: 2, withKeys: true });
    const [, second] = await answered(id, 2);
    assert.deepEqual({ type: second?.resend?.type, count: second?.resend?.count, text: second?.resend?.text }, { type: 'pkmsg', count: 2, text: 'ask me thrice' });

    await control(emulator, 'POST', '/control/retry', { contact: '+966500000012', device: 3, id });
    const [, , third] = await answered(id, 3);
    assert.equal(third?.count, 3);
    assert.equal(third?.resend, null);
  });

  it('without keys the client fetches a new bundle from the server, and the resend still decrypts', async () => {
    await control(emulator, 'POST', '/control/refuse', { contact: '+966500000013', device: 1, next: 1 });
    const id = await send('966500000013', 'no keys');
    await answered(id, 1);
    await control(emulator, 'POST', '/control/retry', { contact: '+966500000013', device: 1, id, keys: false });
    const [first, second] = await answered(id, 2);
    assert.equal(first?.resend?.text, 'no keys');
    assert.equal(second?.withKeys, false);
    assert.deepEqual({ type: second?.resend?.type, text: second?.resend?.text }, { type: 'pkmsg', text: 'no keys' });
  });

  it('the phone itself refuses a message: it is sent again to the whole user, then delivered and read', async () => {
    const messageId = '3EB0' + 'AB12'.repeat(5);
    await control(emulator, 'POST', '/control/refuse', { contact: '+966500000014', messageIds: [messageId] });
    const id = await send('966500000014', 'phone retry', messageId);
    assert.equal(id, messageId);
    const [retry] = await answered(id, 1);
    assert.equal(retry?.device, 0);
    // Device 0 asking makes the client send to every device of the user: no enc count.
    assert.deepEqual({ type: retry?.resend?.type, count: retry?.resend?.count, text: retry?.resend?.text }, { type: 'pkmsg', count: null, text: 'phone retry' });
    await statuses.waitFor(id, s => s.status >= READ);
  });

  it('a retry for an id the client never sent is acked and nothing is sent; sending carries on', async () => {
    const unknown = '3EB0' + '00FF'.repeat(5);
    const asked = await control(emulator, 'POST', '/control/retry', { contact: '+966500000011', device: 2, id: unknown, keys: true });
    assert.equal(asked.status, 200, JSON.stringify(asked.body));
    const [retry] = await answered(unknown, 1);
    assert.equal(retry?.resend, null);
    const id = await send('966500000011', 'still fine');
    await statuses.waitFor(id, s => s.status >= READ);
  });

  it('validates its input and clears the list', async () => {
    const bad = [
      ['/control/refuse', { contact: 'nope', next: 1 }],
      ['/control/refuse', { contact: '+966500000015' }],
      ['/control/refuse', { contact: '+966500000015', device: 100, next: 1 }],
      ['/control/refuse', { contact: '+966500000015', messageIds: [''] }],
      ['/control/refuse', { contact: '+966501234567', next: 1 }],
      ['/control/retry', { contact: '+966500000015', device: 1 }],
      ['/control/retry', { contact: '+966500000015', id: 'X', keys: 'yes' }],
    ] as const;
    for (const [path, body] of bad) assert.equal((await control(emulator, 'POST', path, body)).status, 400, JSON.stringify(body));
    // A companion nobody added cannot ask for anything.
    assert.equal((await control(emulator, 'POST', '/control/retry', { contact: '+966500000015', device: 7, id: 'X' })).status, 409);
    assert.equal((await control(emulator, 'DELETE', '/control/retries')).status, 200);
    assert.deepEqual(await retries(), []);
  });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition never became true');
    await new Promise(resolve => setTimeout(resolve, 20));
  }
}
