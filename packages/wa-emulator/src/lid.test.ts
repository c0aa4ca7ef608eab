import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { jidNormalizedUser, proto, type AuthenticationState, type BaileysEventMap, type WAMessage } from 'baileys';
import { startEmulator, type Emulator } from './index.js';
import { lidJid, lidUserFor } from './jid.js';
import { control, openSocket, pairByQr, type WASocket } from './testing/harness.js';

/** Resolves with the incoming message whose text is `text`. */
function incoming(sock: WASocket, text: string, timeoutMs = 10_000): Promise<WAMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`"${text}" never arrived`)), timeoutMs);
    sock.ev.on('messages.upsert', ({ messages }) => {
      const found = messages.find(m => !m.key.fromMe && m.message?.conversation === text);
      if (!found) return;
      clearTimeout(timer);
      resolve(found);
    });
  });
}

/** Resolves with the first `event` the predicate accepts, or fails after `timeoutMs`. */
function nextEvent<E extends 'lid-mapping.update' | 'messaging-history.set'>(
  sock: WASocket,
  event: E,
  accept: (data: BaileysEventMap[E]) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<BaileysEventMap[E]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event}`)), timeoutMs);
    sock.ev.on(event, data => {
      if (!accept(data)) return;
      clearTimeout(timer);
      resolve(data);
    });
  });
}

const pnForLid = async (sock: WASocket, lid: string): Promise<string | null> => {
  const pn = await sock.signalRepository.lidMapping.getPNForLID(lid);
  return pn ? jidNormalizedUser(pn) : null;
};

describe('senders WhatsApp names by LID', () => {
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

  it('a LID-only sender arrives as <lid>@lid with no phone number, and Baileys knows none', async () => {
    const lid = lidJid(lidUserFor('966500000021'));
    const arrived = incoming(sock, 'from a hidden number');
    const sent = await control<{ id: string; lid: string }>(emulator, 'POST', '/control/inbound', {
      from: '+966500000021',
      text: 'from a hidden number',
      addressing: 'lid-only',
    });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    assert.equal(sent.body.lid, lid);
    const message = await arrived;
    assert.equal(message.key.id, sent.body.id);
    assert.equal(message.key.remoteJid, lid);
    assert.equal(message.key.remoteJidAlt, undefined);
    assert.equal(message.key.addressingMode, 'lid');
    assert.equal(await pnForLid(sock, lid), null);
  });

  it('a LID sender with sender_pn carries the number as remoteJidAlt, and Baileys stores the mapping silently', async () => {
    const lid = lidJid(lidUserFor('966500000022'));
    const arrived = incoming(sock, 'number shared');
    await control(emulator, 'POST', '/control/inbound', { from: '+966500000022', text: 'number shared', addressing: 'lid' });
    const message = await arrived;
    assert.equal(message.key.remoteJid, lid);
    assert.equal(message.key.remoteJidAlt, '966500000022@s.whatsapp.net');
    assert.equal(await pnForLid(sock, lid), '966500000022@s.whatsapp.net');
  });

  it('the same contact keeps one Signal session whichever way WhatsApp addresses it', async () => {
    for (const addressing of ['lid-only', 'pn', 'lid', 'lid-only']) {
      const text = `as ${addressing} ${Math.random()}`;
      const arrived = incoming(sock, text);
      await control(emulator, 'POST', '/control/inbound', { from: '+966500000023', text, addressing });
      await arrived;
    }
  });

  it('announces a mapping with a mex notification: Baileys emits lid-mapping.update and stores it', async () => {
    const lid = lidJid(lidUserFor('966500000024'));
    const arrived = incoming(sock, 'who am I');
    await control(emulator, 'POST', '/control/inbound', { from: '+966500000024', text: 'who am I', addressing: 'lid-only' });
    await arrived;
    assert.equal(await pnForLid(sock, lid), null);
    const update = nextEvent(sock, 'lid-mapping.update');
    const announced = await control<{ lid: string; pn: string }>(emulator, 'POST', '/control/lid-mapping', { phone: '+966500000024' });
    assert.deepEqual(announced.body, { ok: true, lid, pn: '966500000024@s.whatsapp.net' });
    assert.deepEqual(await update, { lid, pn: '966500000024@s.whatsapp.net' });
    assert.equal(await pnForLid(sock, lid), '966500000024@s.whatsapp.net');
  });

  it('announces a mapping in a history sync: Baileys stores it and emits messaging-history.set', async () => {
    const lid = lidJid(lidUserFor('966500000027'));
    // rc14 passes the pairs on in `lidPnMappings` only when the event wasn't buffered.
    const history = nextEvent(sock, 'messaging-history.set', ({ syncType }) => syncType === proto.HistorySync.HistorySyncType.PUSH_NAME);
    const announced = await control(emulator, 'POST', '/control/lid-mapping', { phone: '+966500000027', via: 'history' });
    assert.equal(announced.status, 200, JSON.stringify(announced.body));
    await history;
    assert.equal(await pnForLid(sock, lid), '966500000027@s.whatsapp.net');
  });

  it('redelivers a message under the id it is given, as WhatsApp does after a retry', async () => {
    const first = incoming(sock, 'once');
    const sent = await control<{ id: string }>(emulator, 'POST', '/control/inbound', { from: '+966500000025', text: 'once' });
    await first;
    const again = incoming(sock, 'once');
    await control(emulator, 'POST', '/control/inbound', { from: '+966500000025', text: 'once', id: sent.body.id });
    assert.equal((await again).key.id, sent.body.id);
  });

  it('refuses unknown addressing and a mapping for something that is not a number', async () => {
    const bad = await control(emulator, 'POST', '/control/inbound', { from: '+966500000026', text: 'x', addressing: 'username' });
    assert.equal(bad.status, 400);
    assert.equal((await control(emulator, 'POST', '/control/lid-mapping', { phone: 'nobody' })).status, 400);
    assert.equal((await control(emulator, 'POST', '/control/lid-mapping', { phone: '+966500000026', via: 'sms' })).status, 400);
  });
});
