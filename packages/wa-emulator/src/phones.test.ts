import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { jidNormalizedUser, type AuthenticationState, type WAMessage } from 'baileys';
import { startEmulator, type Emulator, type ReceivedMessage, type SentMessage } from './index.js';
import {
  connect,
  control,
  memoryAuthState,
  openSocket,
  pairByQr,
  trackStatuses,
  waitForClose,
  waitForQr,
  type WASocket,
} from './testing/harness.js';

const A = '+966501110001';
const B = '+966501110002';
const C = '+966501110003';
const CONTACT = '+966500000031';
const READ = 4;

interface PhoneState {
  phone: string;
  linked: boolean;
  deviceJid: string | null;
  connections: number;
  banned: boolean;
}

/** Every message a client gets from someone else, in arrival order; await one by its text. */
function inbox(sock: WASocket) {
  const received: WAMessage[] = [];
  const waiters = new Set<() => void>();
  sock.ev.on('messages.upsert', ({ messages }) => {
    for (const message of messages) if (!message.key.fromMe && textOf(message) !== null) received.push(message);
    for (const check of waiters) check();
  });
  return {
    texts: () => received.map(textOf),
    waitFor(text: string, timeoutMs = 10_000): Promise<WAMessage> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = received.find(m => textOf(m) === text);
          if (!found) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`"${text}" never arrived; got ${JSON.stringify(received.map(textOf))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

function textOf(message: WAMessage): string | null {
  return message.message?.conversation ?? message.message?.extendedTextMessage?.text ?? null;
}

const jidOf = (e164: string) => `${e164.slice(1)}@s.whatsapp.net`;

describe('several phones on one emulator', () => {
  let emulator: Emulator;
  let authA: AuthenticationState;
  let authB: AuthenticationState;
  let sockA: WASocket;
  let sockB: WASocket;
  let inboxA: ReturnType<typeof inbox>;
  let inboxB: ReturnType<typeof inbox>;

  before(async () => {
    emulator = await startEmulator({ phones: [A, B], deliveredDelayMs: 20, readDelayMs: 20 });
    // Both clients wait with a QR at once; each phone scans its own.
    [authA, authB] = await Promise.all([pairByQr(emulator, A), pairByQr(emulator, B)]);
    [sockA, sockB] = await Promise.all([openSocket(emulator, authA), openSocket(emulator, authB)]);
    inboxA = inbox(sockA);
    inboxB = inbox(sockB);
  });
  after(async () => {
    sockA.end(undefined);
    sockB.end(undefined);
    await emulator.close();
  });

  const state = async () =>
    (await control<{ phone: string; linked: boolean; phones: PhoneState[] }>(emulator, 'GET', '/control/state')).body;
  const messagesOf = async (phone: string) =>
    (await control<{ messages: ReceivedMessage[] }>(emulator, 'GET', `/control/messages?phone=${encodeURIComponent(phone)}`)).body
      .messages;

  it('links each client to the phone that scanned its QR', async () => {
    assert.deepEqual(emulator.phones, [A, B]);
    assert.equal(emulator.phone, A);
    assert.equal(jidNormalizedUser(authA.creds.me?.id), jidOf(A));
    assert.equal(jidNormalizedUser(authB.creds.me?.id), jidOf(B));
    const { phone, linked, phones } = await state();
    // The top level still describes the first phone, for callers that know only one.
    assert.equal(phone, A);
    assert.equal(linked, true);
    assert.deepEqual(
      phones.map(p => [p.phone, p.linked, p.connections, p.deviceJid?.split(':')[0]]),
      [
        [A, true, 1, A.slice(1)],
        [B, true, 1, B.slice(1)],
      ],
    );
  });

  it("records what each client sends in its own phone's log, with receipts", async () => {
    const statusesA = trackStatuses(sockA);
    const statusesB = trackStatuses(sockB);
    const fromA = await sockA.sendMessage(jidOf(CONTACT), { text: 'from A' });
    const fromB = await sockB.sendMessage(jidOf(CONTACT), { text: 'from B' });
    await statusesA.waitFor(fromA!.key.id!, s => s.status >= READ);
    await statusesB.waitFor(fromB!.key.id!, s => s.status >= READ);
    const logA = await messagesOf(A);
    const logB = await messagesOf(B);
    assert.deepEqual(
      logA.map(m => [m.from, m.to, m.text, m.status]),
      [[A, CONTACT, 'from A', 'read']],
    );
    assert.deepEqual(
      logB.map(m => [m.from, m.to, m.text, m.status]),
      [[B, CONTACT, 'from B', 'read']],
    );
    // Without `phone`, the first phone's log.
    assert.deepEqual((await control<{ messages: ReceivedMessage[] }>(emulator, 'GET', '/control/messages')).body.messages, logA);
  });

  it("delivers a contact's message only to the client linked to the phone it was sent to", async () => {
    const toB = await control<{ phone: string }>(emulator, 'POST', '/control/inbound', { phone: B, from: CONTACT, text: 'for B only' });
    assert.equal(toB.status, 200, JSON.stringify(toB.body));
    assert.equal(toB.body.phone, B);
    await inboxB.waitFor('for B only');
    // A's own message comes after B's would have, on the same socket: it did not get B's.
    await control(emulator, 'POST', '/control/inbound', { from: CONTACT, text: 'for A (the default)' });
    await inboxA.waitFor('for A (the default)');
    assert.deepEqual(inboxA.texts(), ['for A (the default)']);
    assert.deepEqual(inboxB.texts(), ['for B only']);
    const inboundB = await control<{ messages: SentMessage[] }>(emulator, 'GET', `/control/inbound?phone=${B}`);
    assert.deepEqual(
      inboundB.body.messages.map(m => [m.from, m.to, m.text]),
      [[CONTACT, B, 'for B only']],
    );
  });

  it('passes a message from one phone to another to the client linked to the recipient, both ways', async () => {
    const sent = await sockA.sendMessage(jidOf(B), { text: 'hello B, this is A' });
    const arrived = await inboxB.waitFor('hello B, this is A');
    assert.equal(jidNormalizedUser(arrived.key.remoteJid!), jidOf(A));
    assert.equal(arrived.key.id, sent?.key.id);
    // A's log has it as sent to B; B's inbound has it as from A.
    assert.ok((await messagesOf(A)).some(m => m.id === sent?.key.id && m.to === B && m.text === 'hello B, this is A'));
    const inboundB = await control<{ messages: SentMessage[] }>(emulator, 'GET', `/control/inbound?phone=${B}`);
    assert.ok(inboundB.body.messages.some(m => m.id === sent?.key.id && m.from === A));
    // The reply goes over the Signal session the first message started.
    await sockB.sendMessage(jidOf(A), { text: 'hi A, B here' });
    const reply = await inboxA.waitFor('hi A, B here');
    assert.equal(jidNormalizedUser(reply.key.remoteJid!), jidOf(B));
    await sockA.sendMessage(jidOf(B), { text: 'second from A' });
    await inboxB.waitFor('second from A');
  });

  it('logs out one phone and leaves the other linked', async () => {
    const closedA = waitForClose(sockA);
    const logout = await control<{ phone: string; unlinked: number; closed: number }>(emulator, 'POST', '/control/logout', { phone: A });
    assert.deepEqual(logout.body, { ok: true, phone: A, unlinked: 1, closed: 1 });
    assert.equal((await closedA).statusCode, 401);
    const { phones } = await state();
    assert.deepEqual(
      phones.map(p => [p.phone, p.linked, p.connections]),
      [
        [A, false, 0],
        [B, true, 1],
      ],
    );
    // B carries on: it still sends, and still gets what is sent to it.
    const statuses = trackStatuses(sockB);
    const sent = await sockB.sendMessage(jidOf(CONTACT), { text: 'still here' });
    await statuses.waitFor(sent!.key.id!, s => s.status >= READ);
    await control(emulator, 'POST', '/control/inbound', { phone: B, from: CONTACT, text: 'after A left' });
    await inboxB.waitFor('after A left');
    // A's saved credentials no longer log in; B's still do.
    const again = connect(emulator, authA);
    assert.equal((await waitForClose(again)).statusCode, 401);
  });
});

describe('phones added at run time, and the control API', () => {
  let emulator: Emulator;

  before(async () => {
    emulator = await startEmulator({ phone: A, phones: [B] });
  });
  after(() => emulator.close());

  it('adds a phone that a client then links to and logs in with', async () => {
    const added = await control(emulator, 'POST', '/control/phones', { phone: C });
    assert.equal(added.status, 200);
    assert.equal(added.body.phone, C);
    assert.match(String(added.body.lid), /^\d+@lid$/);
    assert.deepEqual(emulator.phones, [A, B, C]);
    const auth = await pairByQr(emulator, C);
    assert.equal(jidNormalizedUser(auth.creds.me?.id), jidOf(C));
    const sock = await openSocket(emulator, auth);
    const inboxC = inbox(sock);
    await control(emulator, 'POST', '/control/inbound', { phone: C, from: CONTACT, text: 'welcome C' });
    await inboxC.waitFor('welcome C');
    sock.end(undefined);
    assert.equal(emulator.addPhone('+966501110004'), '+966501110004');
    assert.throws(() => emulator.addPhone(C), /already an emulated phone/);
  });

  it('links by pairing code only the phone the client asked a code for', async () => {
    const auth = memoryAuthState();
    const sock = connect(emulator, auth);
    await waitForQr(sock);
    const code = await sock.requestPairingCode(B.slice(1));
    const wrongPhone = await control<{ error: string }>(emulator, 'POST', '/control/pairing-code', { code });
    assert.equal(wrongPhone.status, 409);
    assert.match(wrongPhone.body.error, new RegExp(`\\${B}.*not for \\${A}`));
    const closed = waitForClose(sock);
    const entered = await control<{ phone: string; deviceJid: string }>(emulator, 'POST', '/control/pairing-code', { code, phone: B });
    assert.equal(entered.status, 200, JSON.stringify(entered.body));
    assert.equal(entered.body.phone, B);
    assert.equal((await closed).statusCode, 515);
    assert.equal(auth.creds.me?.id, entered.body.deviceJid);
  });

  it('answers an unknown phone with 404, wherever it is named', async () => {
    const unknown = '+966509999990';
    const calls: [string, string, unknown?][] = [
      ['POST', '/control/scan', { qr: 'x', phone: unknown }],
      ['POST', '/control/logout', { phone: unknown }],
      ['POST', '/control/ban', { phone: unknown }],
      ['POST', '/control/drop', { phone: unknown }],
      ['PUT', '/control/config', { phone: unknown, ackError: 463 }],
      ['POST', '/control/inbound', { phone: unknown, from: CONTACT, text: 'hi' }],
      ['POST', '/control/refuse', { phone: unknown, contact: CONTACT, next: 1 }],
      ['POST', '/control/lid-mapping', { phone: unknown, contact: CONTACT }],
      ['GET', `/control/messages?phone=${unknown}`],
      ['DELETE', `/control/inbound?phone=${encodeURIComponent(unknown)}`],
      ['GET', `/control/retries?phone=${unknown.slice(1)}`],
    ];
    for (const [method, path, body] of calls) {
      const res = await control<{ error: string }>(emulator, method, path, body);
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.match(res.body.error, /\+966509999990 is not an emulated phone \(the phones are \+966501110001, \+966501110002/);
    }
    // Nothing happened to the first phone on the way.
    const { banned, phones } = (await control<{ banned: boolean; phones: PhoneState[] }>(emulator, 'GET', '/control/state')).body;
    assert.equal(banned, false);
    assert.equal(phones.length, 4);
  });

  it('answers a malformed, duplicate or misplaced phone with 400', async () => {
    const bad: [string, string, unknown?][] = [
      ['POST', '/control/logout', { phone: 'nope' }],
      ['POST', '/control/logout', { phone: 42 }],
      ['GET', '/control/messages?phone=12'],
      ['POST', '/control/logout?phone=%2B966501110001', { phone: B }],
      ['POST', '/control/phones', {}],
      ['POST', '/control/phones', { phone: 'nope' }],
      ['POST', '/control/phones', { phone: A }],
      ['POST', '/control/phones', { phone: A.slice(1) }],
      // Calls about the whole server take no phone.
      ['POST', '/control/down', { phone: A }],
      ['PUT', '/control/numbers', { phone: A, onWhatsApp: '*' }],
      ['GET', `/control/state?phone=${A}`],
    ];
    for (const [method, path, body] of bad) {
      assert.equal((await control(emulator, method, path, body)).status, 400, `${method} ${path} ${JSON.stringify(body)}`);
    }
    assert.equal((await control(emulator, 'GET', '/control/state')).body.down, false);
  });

  it('applies per-phone settings to the named phone only, the first by default', async () => {
    const putB = await control<{ config: { ackError: number | null } }>(emulator, 'PUT', '/control/config', { phone: B, ackError: 463 });
    assert.equal(putB.body.config.ackError, 463);
    const phones = async () =>
      (await control<{ phones: (PhoneState & { config: { ackError: number | null } })[] }>(emulator, 'GET', '/control/phones')).body.phones;
    assert.deepEqual(
      (await phones()).map(p => [p.phone, p.config.ackError]).slice(0, 2),
      [
        [A, null],
        [B, 463],
      ],
    );
    await control(emulator, 'POST', '/control/ban');
    assert.deepEqual(
      (await phones()).map(p => [p.phone, p.banned]).slice(0, 2),
      [
        [A, true],
        [B, false],
      ],
    );
    await control(emulator, 'POST', `/control/unban?phone=${encodeURIComponent(A)}`);
    await control(emulator, 'PUT', '/control/config', { phone: B, ackError: null });
    assert.equal((await phones()).some(p => p.banned || p.config.ackError !== null), false);
  });

  it('refuses bad phone lists at start', async () => {
    await assert.rejects(startEmulator({ phones: [] }), /at least one phone/);
    await assert.rejects(startEmulator({ phones: [A, 'x'] }), /not an E\.164 phone number: x/);
    await assert.rejects(startEmulator({ phone: A, phones: [A.slice(1)] }), /named twice/);
  });
});
