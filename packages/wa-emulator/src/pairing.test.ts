import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEmulator, type Emulator } from './index.js';
import {
  connect,
  control,
  memoryAuthState,
  openSocket,
  pairByQr,
  waitForClose,
  waitForQr,
  waitForUpdate,
} from './testing/harness.js';

const PHONE = '+966501234567';
const DEVICE_JID = /^966501234567:\d+@s\.whatsapp\.net$/;

describe('pairing', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator({ phone: PHONE, qrRefs: 3 });
  });
  after(() => emulator.close());

  it('rotates QRs and closes 408 "QR refs attempts ended" when the refs run out', async () => {
    const sock = connect(emulator, memoryAuthState(), { qrTimeout: 150 });
    const qrs: string[] = [];
    sock.ev.on('connection.update', u => {
      if (u.qr) qrs.push(u.qr);
    });
    const first = await waitForQr(sock);
    assert.match(first, /^https:\/\/wa\.me\/settings\/linked_devices#2@/);
    const state = await control<{ waitingForScan: boolean; qrRef: string }>(emulator, 'GET', '/control/state');
    assert.equal(state.body.waitingForScan, true);
    assert.ok(first.includes(state.body.qrRef));
    const closed = await waitForClose(sock);
    assert.equal(closed.statusCode, 408);
    assert.equal(closed.message, 'QR refs attempts ended');
    assert.equal(qrs.length, 3);
    assert.notEqual(qrs[0], qrs[1]);
  });

  it('scan → creds.update with me → 515 → a new socket opens as the phone number', async () => {
    const auth = memoryAuthState();
    const sock = connect(emulator, auth);
    const qr = await waitForQr(sock);
    const sawMe = new Promise<string>(resolve => sock.ev.on('creds.update', u => u.me?.id && resolve(u.me.id)));
    const newLogin = waitForUpdate(sock, u => u.isNewLogin === true);
    const closed = waitForClose(sock);
    const scan = await control<{ ok: boolean; deviceJid: string }>(emulator, 'POST', '/control/scan', { qr });
    assert.equal(scan.status, 200, JSON.stringify(scan.body));
    assert.match(scan.body.deviceJid, DEVICE_JID);
    assert.equal(await sawMe, scan.body.deviceJid);
    await newLogin;
    assert.deepEqual(await closed, { statusCode: 515, message: 'Stream Errored (restart required)' });

    const again = await control(emulator, 'POST', '/control/scan', { qr });
    assert.equal(again.status, 404, 'a used QR ref is gone with its connection');

    const sock2 = await openSocket(emulator, auth);
    assert.match(auth.creds.me?.id ?? '', DEVICE_JID);
    assert.match(auth.creds.me?.lid ?? '', /^\d+:\d+@lid$/);
    const state = await control<{ linked: boolean; deviceJid: string }>(emulator, 'GET', '/control/state');
    assert.equal(state.body.linked, true);
    assert.equal(state.body.deviceJid, auth.creds.me?.id);
    sock2.end(undefined);
  });

  it('pairs with a pairing code', async () => {
    const auth = memoryAuthState();
    const sock = connect(emulator, auth);
    await waitForQr(sock);
    const code = await sock.requestPairingCode('966501234567');
    assert.match(code, /^[A-Z0-9]{8}$/);
    const wrong = code === 'ABCD1234' ? 'ABCD1235' : 'ABCD1234';
    const rejected = await control(emulator, 'POST', '/control/pairing-code', { code: wrong });
    assert.equal(rejected.status, 400);
    assert.deepEqual(rejected.body, { error: 'wrong pairing code' });
    const closed = waitForClose(sock);
    const entered = await control<{ deviceJid: string }>(emulator, 'POST', '/control/pairing-code', { code });
    assert.equal(entered.status, 200, JSON.stringify(entered.body));
    assert.equal((await closed).statusCode, 515);
    const sock2 = await openSocket(emulator, auth);
    assert.equal(auth.creds.me?.id, entered.body.deviceJid);
    sock2.end(undefined);
  });

  it('refuses a pairing code when nobody waits, or the client asked for another number', async () => {
    const none = await control(emulator, 'POST', '/control/pairing-code', { code: 'ABCD1234' });
    assert.equal(none.status, 409);
    const sock = connect(emulator, memoryAuthState());
    await waitForQr(sock);
    await sock.requestPairingCode('966509999999');
    const other = await control<{ error: string }>(emulator, 'POST', '/control/pairing-code', { code: 'ABCD1234' });
    assert.equal(other.status, 409);
    assert.match(other.body.error, /\+966509999999/);
    const malformed = await control(emulator, 'POST', '/control/pairing-code', { code: 'abc' });
    assert.equal(malformed.status, 400);
    sock.end(undefined);
  });

  it('reconnects with saved credentials without a new scan', async () => {
    const auth = await pairByQr(emulator);
    const first = await openSocket(emulator, auth);
    const firstClosed = waitForClose(first);
    first.end(undefined);
    await firstClosed;
    const before = await control<{ loginAttempts: number }>(emulator, 'GET', '/control/state');
    const second = await openSocket(emulator, auth);
    const afterState = await control<{ loginAttempts: number; waitingForScan: boolean }>(emulator, 'GET', '/control/state');
    assert.equal(afterState.body.loginAttempts, before.body.loginAttempts + 1);
    assert.equal(afterState.body.waitingForScan, false);
    second.end(undefined);
  });

  it('rejects scans of unknown refs and malformed QR strings', async () => {
    const sock = connect(emulator, memoryAuthState());
    const qr = await waitForQr(sock);
    const [, rest] = qr.split('#');
    const parts = (rest ?? '').split(',');
    parts[0] = '2@not-a-ref';
    const unknown = await control(emulator, 'POST', '/control/scan', { qr: parts.join(',') });
    assert.equal(unknown.status, 404);
    const malformed = await control(emulator, 'POST', '/control/scan', { qr: 'hello' });
    assert.equal(malformed.status, 400);
    const missing = await control(emulator, 'POST', '/control/scan', {});
    assert.equal(missing.status, 400);
    sock.end(undefined);
  });
});
