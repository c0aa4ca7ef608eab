import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getBinaryNodeChild, type AuthenticationState, type BinaryNode, type WAMessage } from 'baileys';
import { startEmulator, type Emulator, type SentMessage } from './index.js';
import { connect, control, openSocket, pairByQr, waitForClose, waitForOpen, waitForUpdate, type WASocket } from './testing/harness.js';

const CONTACT = '+966500000001';

/** Resolves with the first incoming (not fromMe) message Baileys upserts. */
function nextIncoming(sock: WASocket, timeoutMs = 10_000): Promise<WAMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no incoming message')), timeoutMs);
    sock.ev.on('messages.upsert', ({ messages }) => {
      const incoming = messages.find(m => !m.key.fromMe && m.message);
      if (!incoming) return;
      clearTimeout(timer);
      resolve(incoming);
    });
  });
}

async function inboundStatus(emulator: Emulator, id: string, wanted: SentMessage['status']): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const list = await control<{ messages: SentMessage[] }>(emulator, 'GET', '/control/inbound');
    if (list.body.messages.find(m => m.id === id)?.status === wanted) return;
    if (Date.now() > deadline) throw new Error(`inbound ${id} never reached ${wanted}`);
    await new Promise(resolve => setTimeout(resolve, 20));
  }
}

describe('the emulated world writes to the linked account', () => {
  let emulator: Emulator;
  let auth: AuthenticationState;
  let sock: WASocket;

  before(async () => {
    emulator = await startEmulator({ phone: '+966501234567' });
    auth = await pairByQr(emulator);
    sock = await openSocket(emulator, auth);
  });
  after(async () => {
    sock.end(undefined);
    await emulator.close();
  });

  it('refuses inbound messages it cannot deliver', async () => {
    assert.equal((await control(emulator, 'POST', '/control/inbound', { from: 'x', text: 'hi' })).status, 400);
    assert.equal((await control(emulator, 'POST', '/control/inbound', { from: CONTACT })).status, 400);
    await control(emulator, 'PUT', '/control/numbers', { onWhatsApp: [] });
    const off = await control(emulator, 'POST', '/control/inbound', { from: CONTACT, text: 'hi' });
    assert.equal(off.status, 409);
    await control(emulator, 'PUT', '/control/numbers', { onWhatsApp: '*' });
  });

  it('delivers a Signal-encrypted message Baileys decrypts, and tracks its receipts', async () => {
    const incoming = nextIncoming(sock);
    const sent = await control<{ id: string }>(emulator, 'POST', '/control/inbound', {
      from: CONTACT,
      text: 'hello from Sara',
      name: 'Sara',
    });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const message = await incoming;
    assert.equal(message.key.id, sent.body.id);
    assert.equal(message.key.remoteJid, '966500000001@s.whatsapp.net');
    assert.equal(message.message?.conversation, 'hello from Sara');
    assert.equal(message.pushName, 'Sara');
    await inboundStatus(emulator, sent.body.id, 'delivered');
    await sock.readMessages([message.key]);
    await inboundStatus(emulator, sent.body.id, 'read');

    // The session keeps ratcheting in both directions.
    const reply = await sock.sendMessage('966500000001@s.whatsapp.net', { text: 'hi Sara' });
    const again = nextIncoming(sock);
    await control(emulator, 'POST', '/control/inbound', { from: CONTACT, text: 'how are you?' });
    assert.equal((await again).message?.conversation, 'how are you?');
    const received = await control<{ messages: { id: string; text: string }[] }>(emulator, 'GET', '/control/messages');
    assert.equal(received.body.messages.find(m => m.id === reply?.key.id)?.text, 'hi Sara');
  });

  it('queues messages while the device is offline and delivers them at the next login, marked offline', async () => {
    const closed = waitForClose(sock);
    sock.end(undefined);
    await closed;
    const texts = ['while you were away', 'are you there?', 'STOP'];
    const ids: string[] = [];
    for (const [i, text] of texts.entries()) {
      const sent = await control<{ id: string }>(emulator, 'POST', '/control/inbound', { from: `+96650000001${i}`, text });
      assert.equal(sent.status, 200);
      ids.push(sent.body.id);
    }
    sock = connect(emulator, auth);
    const offlineStanzas: string[] = [];
    let announced: string | undefined;
    sock.ws.on('frame', (frame: BinaryNode | Uint8Array) => {
      // The handshake's frames are raw bytes; stanzas are decoded nodes.
      if (!(frame instanceof Uint8Array) && frame.attrs.offline) offlineStanzas.push(frame.attrs.id ?? '');
    });
    sock.ws.on('CB:ib,,offline', (node: BinaryNode) => {
      announced = getBinaryNodeChild(node, 'offline')?.attrs.count;
    });
    const upserts: { type: string; id: string; text: string | null | undefined }[] = [];
    const all = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not every queued message arrived: ${JSON.stringify(upserts)}`)), 15_000);
      sock.ev.on('messages.upsert', ({ messages, type }) => {
        for (const m of messages) if (!m.key.fromMe && m.message) upserts.push({ type, id: m.key.id ?? '', text: m.message.conversation });
        if (!ids.every(id => upserts.some(u => u.id === id))) return;
        clearTimeout(timer);
        resolve();
      });
    });
    // Baileys holds its events until WhatsApp says the offline queue is done.
    const caughtUp = waitForUpdate(sock, u => u.receivedPendingNotifications === true);
    await waitForOpen(sock);
    await all;
    await caughtUp;
    // WhatsApp marks queued stanzas `offline`, so Baileys reports them as 'append', not 'notify'.
    assert.deepEqual(
      upserts.filter(u => ids.includes(u.id)),
      ids.map((id, i) => ({ type: 'append', id, text: texts[i] })),
    );
    for (const id of ids) assert.ok(offlineStanzas.includes(id), `${id} carried no offline attribute`);
    // Every queued stanza (the messages, and receipts of earlier sends) is counted.
    assert.equal(announced, String(offlineStanzas.length));
  });

  it('delivers messages sent while the device is online without the offline attribute', async () => {
    const marked: string[] = [];
    sock.ws.on('CB:message', (node: BinaryNode) => {
      if (node.attrs.offline) marked.push(node.attrs.id ?? '');
    });
    const incoming = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the live message never arrived')), 10_000);
      sock.ev.on('messages.upsert', ({ messages, type }) => {
        if (!messages.some(m => !m.key.fromMe && m.message?.conversation === 'live')) return;
        clearTimeout(timer);
        resolve(type);
      });
    });
    const sent = await control<{ id: string }>(emulator, 'POST', '/control/inbound', { from: CONTACT, text: 'live' });
    assert.equal(await incoming, 'notify');
    assert.ok(!marked.includes(sent.body.id));
  });
});

describe('initial history sync', () => {
  it('the phone pushes one after the first login, so Baileys goes online at once', async () => {
    const emulator = await startEmulator({ phone: '+966501234567' });
    try {
      const auth = await pairByQr(emulator);
      const sock = connect(emulator, auth);
      const history = new Promise<{ isLatest?: boolean }>(resolve => sock.ev.on('messaging-history.set', resolve));
      const named = new Promise<void>(resolve => sock.ev.on('creds.update', u => u.me?.name === 'Emulated Phone' && resolve()));
      const synced = new Promise<void>(resolve => sock.ev.on('creds.update', u => u.accountSyncCounter && resolve()));
      await waitForOpen(sock);
      assert.equal((await history).isLatest, true);
      await named;
      await synced;
      sock.end(undefined);
    } finally {
      await emulator.close();
    }
  });

  it('refuses inbound messages while no device is linked', async () => {
    const emulator = await startEmulator({ phone: '+966501234567' });
    try {
      const res = await control(emulator, 'POST', '/control/inbound', { from: CONTACT, text: 'hi' });
      assert.equal(res.status, 409);
    } finally {
      await emulator.close();
    }
  });
});
