import { describe, test } from './suite.js';
import assert from 'node:assert/strict';
import type { WsQrCode } from '@wasla/protocol';
import { PHONE, Stack, testDatabases } from './harness.js';
import { assertOrdered, linkByQr, withSession } from './flows.js';
import { decodeQrDataUrl } from './qr.js';

const databases = await testDatabases();

for (const database of databases) {
  describe(`session lifecycle on ${database.name}`, { skip: database.skip }, () => {
    test('a QR appears and rotates; nobody scans → failed with a clear reason', async () => {
      await withSession({ database, env: { WA_QR_TIMEOUT_MS: '400' } }, async ({ stack, cookie, socket }) => {
        await stack.api(cookie, 'POST', '/api/session/start');
        const first = await socket.waitFor<WsQrCode>((m) => m.type === 'qr_code');
        const second = await socket.waitFor<WsQrCode>((m) => m.type === 'qr_code' && m.data.qr !== first.data.qr);
        assert.ok(second.rev > first.rev);
        assert.match(first.data.qr, /^data:image\/png;base64,/);
        const failed = await socket.waitForStatus('failed');
        assert.equal(failed.data.errorCode, 'qr_timeout');
        assert.match(failed.data.error ?? '', /^QR code was not scanned in time/);
        assert.equal(failed.data.qrCode, null);
        const qr = await stack.api(cookie, 'GET', '/api/session/qr');
        assert.equal(qr.status, 404);
        assert.equal(qr.json.error.code, 'no_qr');
        assertOrdered(socket);
      });
    });

    test('scan → ready with the number in E.164; a restart reconnects without a scan', async () => {
      let stack = await Stack.start({ database });
      try {
        const cookie = await stack.login();
        const socket = await stack.socket(cookie);
        await linkByQr(stack, cookie, socket);
        const state = await stack.api(cookie, 'GET', '/api/session/state');
        assert.equal(state.json.status, 'ready');
        assert.equal(state.json.isReady, true);
        assert.equal(state.json.phoneNumber, PHONE);
        assert.equal(state.json.qrCode, null);
        const epoch = state.json.epoch as number;
        const qrBefore = (await stack.control('GET', '/control/state')) as { loginAttempts: number };

        stack = await stack.restart();
        const cookie2 = await stack.login();
        const socket2 = await stack.socket(cookie2);
        const ready = await socket2.waitForStatus('ready', 20_000);
        assert.ok(ready.epoch > epoch, 'a restart starts a new epoch');
        assert.equal(ready.data.phoneNumber, PHONE);
        assert.ok(!socket2.sessionUpdates().some((m) => m.data.status === 'qr'), 'no QR after a restart');
        const emulatorState = (await stack.control('GET', '/control/state')) as { loginAttempts: number; linked: boolean };
        assert.equal(emulatorState.linked, true);
        assert.ok(emulatorState.loginAttempts > qrBefore.loginAttempts);
        socket.close();
        socket2.close();
      } finally {
        await stack.close();
      }
    });

    test('pairing code → ready; restarting an abandoned pairing starts a fresh link', async () => {
      await withSession({ database }, async ({ stack, cookie, socket }) => {
        await stack.api(cookie, 'POST', '/api/session/pairing-code', { phoneNumber: '0501234567' });
        await socket.waitForStatus('pairing');
        const from = socket.received.length;
        await stack.api(cookie, 'POST', '/api/session/restart');
        await socket.waitForStatus('qr', 15_000, from);
        assert.ok(!socket.received.slice(from).some((m) => m.type === 'session_update' && m.data.status === 'logged_out'), 'no logout after abandoning a pairing');
        const second = socket.received.length;
        const requested = await stack.api(cookie, 'POST', '/api/session/pairing-code', { phoneNumber: '0501234567' });
        assert.equal(requested.status, 200, JSON.stringify(requested.json));
        const pairing = await socket.waitForStatus('pairing', 15_000, second);
        assert.match(pairing.data.pairingCode ?? '', /^[A-Z0-9]{8}$/);
        assert.equal(pairing.data.qrCode, null);
        await stack.control('POST', '/control/pairing-code', { code: pairing.data.pairingCode });
        const ready = await socket.waitForStatus('ready', 20_000);
        assert.equal(ready.data.phoneNumber, PHONE);
      });
    });

    test('phone logout → logged_out, credentials gone; a new start shows a QR', async () => {
      await withSession({ database, linked: true }, async ({ stack, cookie, socket }) => {
        const from = socket.received.length;
        await stack.control('POST', '/control/logout');
        const loggedOut = await socket.waitForStatus('logged_out', 15_000, from);
        assert.equal(loggedOut.data.errorCode, 'logged_out');
        assert.equal(loggedOut.data.phoneNumber, null);
        await stack.app.sessions.idle('default');
        assert.equal(await stack.app.storage.db.selectFrom('wa_creds').select('session_id').executeTakeFirst(), undefined);
        const keys = await stack.app.storage.db.selectFrom('wa_keys').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
        assert.equal(Number(keys.n), 0);
        const restartFrom = socket.received.length;
        await stack.api(cookie, 'POST', '/api/session/start');
        const qr = await socket.waitFor<WsQrCode>((m) => m.type === 'qr_code', 15_000, restartFrom);
        assert.ok(decodeQrDataUrl(qr.data.qr).length > 20);
        assertOrdered(socket);
      });
    });

    test('logout from Wasla → logged_out for that cause (not the phone\'s), in the state and in the timeline', async () => {
      await withSession({ database, linked: true }, async ({ stack, cookie, socket }) => {
        const from = socket.received.length;
        const answer = await stack.api(cookie, 'POST', '/api/session/logout');
        assert.ok(answer.status < 300, JSON.stringify(answer.json));
        const loggedOut = await socket.waitForStatus('logged_out', 15_000, from);
        assert.equal(loggedOut.data.errorCode, 'logged_out_by_user');
        assert.match(loggedOut.data.error ?? '', /^Logged out from Wasla/);
        await stack.app.sessions.idle('default');
        const timeline = await stack.api(cookie, 'GET', '/api/session/transitions?limit=5');
        const logout = (timeline.json.items as { to: string; event: string; errorCode: string | null }[]).find((item) => item.to === 'logged_out');
        assert.deepEqual(logout && [logout.event, logout.errorCode], ['logout', 'logged_out_by_user']);
      });
    });

    test('drop → disconnected → retries with jittered delays → ready; down for a while → no storm', async () => {
      await withSession({ database, linked: true }, async ({ stack, socket }) => {
        let from = socket.received.length;
        await stack.control('POST', '/control/drop');
        const disconnected = await socket.waitForStatus('disconnected', 15_000, from);
        assert.ok(disconnected.data.nextRetryAt, 'nextRetryAt is published');
        assert.ok(disconnected.data.errorCode);
        await socket.waitForStatus('ready', 20_000, from);

        from = socket.received.length;
        const attemptsBefore = ((await stack.control('GET', '/control/state')) as { loginAttempts: number }).loginAttempts;
        await stack.control('POST', '/control/down');
        // Wait until Wasla has failed to reconnect a few times, then bring WhatsApp back.
        const waits: number[] = [];
        for (let i = 0; i < 3; i += 1) {
          const update = await socket.waitFor<Extract<(typeof socket.received)[number], { type: 'session_update' }>>(
            (m) => m.type === 'session_update' && m.data.status === 'disconnected' && !waits.includes(m.rev),
            20_000,
            from,
          );
          waits.push(update.rev);
        }
        await stack.control('POST', '/control/up');
        await socket.waitForStatus('ready', 30_000, from);
        const attempts = ((await stack.control('GET', '/control/state')) as { loginAttempts: number }).loginAttempts - attemptsBefore;
        assert.ok(attempts <= 8, `${attempts} connection attempts is a storm`);
        const delays = socket.received
          .slice(from)
          .flatMap((m) => (m.type === 'session_update' && m.data.status === 'disconnected' && m.data.nextRetryAt ? [m.data] : []))
          .map((state) => Date.parse(state.nextRetryAt!) - Date.parse(state.lastUpdate));
        assert.ok(delays.length >= 3);
        assert.ok(delays.every((d) => d >= 0 && d <= 2000), `delays within the cap: ${delays.join(', ')}`);
        assertOrdered(socket);
      });
    });

    test('replace → failed without a reconnect fight; ban → failed, no retry', async () => {
      await withSession({ database, linked: true }, async ({ stack, cookie, socket }) => {
        let from = socket.received.length;
        const attemptsBefore = ((await stack.control('GET', '/control/state')) as { loginAttempts: number }).loginAttempts;
        await stack.control('POST', '/control/replace');
        const replaced = await socket.waitForStatus('failed', 15_000, from);
        assert.equal(replaced.data.errorCode, 'connection_replaced');
        assert.match(replaced.data.error ?? '', /another/i);
        // Prove nothing reconnects: a restart-command round trip later, the emulator saw no new login.
        await stack.api(cookie, 'GET', '/api/session/state');
        assert.equal(((await stack.control('GET', '/control/state')) as { loginAttempts: number }).loginAttempts, attemptsBefore);
        assert.equal(stack.app.sessions.state('default').nextRetryAt, null);

        from = socket.received.length;
        await stack.api(cookie, 'POST', '/api/session/start');
        await socket.waitForStatus('ready', 20_000, from);
        from = socket.received.length;
        await stack.control('POST', '/control/ban');
        const banned = await socket.waitForStatus('failed', 15_000, from);
        assert.equal(banned.data.errorCode, 'forbidden');
        assert.equal(banned.data.nextRetryAt, null);
      });
    });

    test('send → the emulator receives the text and the status reaches read over the WebSocket', async () => {
      await withSession({ database, linked: true }, async ({ stack, cookie, socket }) => {
        const sent = await stack.api(cookie, 'POST', '/api/messages', { to: '0551234567', text: 'مرحبا from Wasla' });
        assert.equal(sent.status, 202, JSON.stringify(sent.json));
        assert.equal(sent.json.status, 'pending');
        assert.equal(sent.json.peer, '+966551234567');
        const read = await socket.waitFor((m) => m.type === 'message_status' && m.data.id === sent.json.id && m.data.status === 'read', 20_000);
        assert.ok(read);
        const statuses = socket.received.filter((m) => m.type === 'message_status' && m.data.id === sent.json.id).map((m) => (m.type === 'message_status' ? m.data.status : ''));
        assert.deepEqual(statuses, [...statuses].sort((a, b) => ['sent', 'delivered', 'read'].indexOf(a) - ['sent', 'delivered', 'read'].indexOf(b)), 'statuses only move forward');
        const received = (await stack.control('GET', '/control/messages')) as { messages: { id: string; to: string; text: string }[] };
        assert.deepEqual(received.messages.map((m) => ({ id: m.id, to: m.to, text: m.text })), [{ id: sent.json.id, to: '+966551234567', text: 'مرحبا from Wasla' }]);
        const listed = await stack.api(cookie, 'GET', '/api/messages?limit=10');
        assert.equal(listed.json.items[0].status, 'read');
      });
    });
  });
}
