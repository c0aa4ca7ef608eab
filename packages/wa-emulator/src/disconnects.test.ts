import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AuthenticationState } from 'baileys';
import { startEmulator, type Emulator } from './index.js';
import { connect, control, openSocket, pairByQr, waitForClose, type CloseInfo } from './testing/harness.js';

/** Opens a socket, runs a control action, and reports how Baileys saw the close. */
async function closeBy(emulator: Emulator, auth: AuthenticationState, action: string): Promise<CloseInfo> {
  const sock = await openSocket(emulator, auth);
  const closed = waitForClose(sock);
  const res = await control(emulator, 'POST', `/control/${action}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return closed;
}

/** A login attempt with saved credentials that is expected to fail. */
function failedLogin(emulator: Emulator, auth: AuthenticationState): Promise<CloseInfo> {
  return waitForClose(connect(emulator, auth));
}

describe('server-side disconnects, as Baileys reports them', () => {
  let emulator: Emulator;
  let auth: AuthenticationState;
  before(async () => {
    emulator = await startEmulator({ phone: '+966501234567' });
    auth = await pairByQr(emulator);
  });
  after(() => emulator.close());

  it('drop → 428 "Connection Terminated"; the client can log in again', async () => {
    assert.deepEqual(await closeBy(emulator, auth, 'drop'), { statusCode: 428, message: 'Connection Terminated' });
    (await openSocket(emulator, auth)).end(undefined);
  });

  it('stall → the client notices the silence and closes 408 "Connection was lost"', async () => {
    const sock = await openSocket(emulator, auth, { keepAliveIntervalMs: 500 });
    const closed = waitForClose(sock, 15_000);
    await control(emulator, 'POST', '/control/stall');
    assert.deepEqual(await closed, { statusCode: 408, message: 'Connection was lost' });
  });

  it('replace → 440 "Stream Errored (conflict)"', async () => {
    assert.deepEqual(await closeBy(emulator, auth, 'replace'), { statusCode: 440, message: 'Stream Errored (conflict)' });
  });

  it('a second login with the same credentials replaces the first (440)', async () => {
    const first = await openSocket(emulator, auth);
    const firstClosed = waitForClose(first);
    const second = await openSocket(emulator, auth);
    assert.equal((await firstClosed).statusCode, 440);
    second.end(undefined);
  });

  it('down → live sockets 428, new attempts 408 "WebSocket Error (socket hang up)" until up', async () => {
    assert.deepEqual(await closeBy(emulator, auth, 'down'), { statusCode: 428, message: 'Connection Terminated' });
    const state = await control<{ down: boolean; loginAttempts: number }>(emulator, 'GET', '/control/state');
    assert.equal(state.body.down, true);
    assert.deepEqual(await failedLogin(emulator, auth), { statusCode: 408, message: 'WebSocket Error (socket hang up)' });
    const after = await control<{ loginAttempts: number }>(emulator, 'GET', '/control/state');
    assert.equal(after.body.loginAttempts, state.body.loginAttempts + 1, 'refused attempts still count');
    await control(emulator, 'POST', '/control/up');
    (await openSocket(emulator, auth)).end(undefined);
  });

  it('ban → 403 "Connection Failure", later logins 403, unban restores', async () => {
    assert.deepEqual(await closeBy(emulator, auth, 'ban'), { statusCode: 403, message: 'Connection Failure' });
    assert.equal((await failedLogin(emulator, auth)).statusCode, 403);
    const code = await control<{ error: string }>(emulator, 'POST', '/control/pairing-code', { code: 'ABCD1234' });
    assert.equal(code.status, 409);
    assert.match(code.body.error, /banned/);
    await control(emulator, 'POST', '/control/unban');
    (await openSocket(emulator, auth)).end(undefined);
  });

  it('logout → 401 "Connection Failure", and the same credentials stay logged out', async () => {
    assert.deepEqual(await closeBy(emulator, auth, 'logout'), { statusCode: 401, message: 'Connection Failure' });
    assert.equal((await failedLogin(emulator, auth)).statusCode, 401);
    const state = await control<{ linked: boolean; deviceJid: string | null }>(emulator, 'GET', '/control/state');
    assert.equal(state.body.linked, false);
    assert.equal(state.body.deviceJid, null);
  });

  it("the client's own logout() unlinks the device", async () => {
    const own = await pairByQr(emulator);
    const sock = await openSocket(emulator, own);
    const closed = waitForClose(sock);
    await sock.logout();
    assert.equal((await closed).statusCode, 401);
    assert.equal((await failedLogin(emulator, own)).statusCode, 401);
  });
});
