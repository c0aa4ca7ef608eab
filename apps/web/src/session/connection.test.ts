import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff } from './backoff.js';
import { HEARTBEAT_TIMEOUT_MS, SessionConnection } from './connection.js';
import type { AuthLostReason } from '../lib/api.js';
import { SessionStore } from './store.js';
import { fakeBrowser } from './testing-browser.js';
import type { FakeSocket } from './testing-browser.js';
import { makeMessage, makeProgress, makeState } from './testing.js';

// The seed's two events first, then the live events every page shares.
const SUBSCRIBE = { type: 'subscribe', events: ['session_update', 'qr_code', 'message_status', 'message_received', 'sender_identified', 'campaign_progress'] };

function setup(options: { sessionId?: string; random?: () => number } = {}) {
  const browser = fakeBrowser({ random: options.random ?? (() => 0.5) });
  const tab = browser.tab();
  const sessionId = options.sessionId ?? 'default';
  const store = new SessionStore(sessionId);
  const authLost: AuthLostReason[] = [];
  const connection = new SessionConnection({ url: 'ws://wasla.test/ws', store, sessionId, env: tab.env, onAuthLost: (reason) => authLost.push(reason) });
  connection.start();
  const socket = (index: number): FakeSocket => {
    const found = browser.sockets.instances[index];
    assert.ok(found, `socket #${index} was opened`);
    return found;
  };
  return { browser, tab, store, connection, authLost, socket, health: () => store.getSnapshot().health };
}

describe('SessionConnection', () => {
  test("subscribes with the seed's message (and the live events) on open, and is live", () => {
    const { socket, health, browser } = setup();
    assert.equal(socket(0).url, 'ws://wasla.test/ws');
    assert.equal(health().kind, 'connecting');
    socket(0).serverOpen();
    assert.deepEqual(socket(0).sent, [SUBSCRIBE]);
    assert.deepEqual(health(), { kind: 'live', retryAt: null });
    assert.equal(browser.sockets.instances.length, 1);
  });

  test('names the session when it is not the default one', () => {
    const { socket } = setup({ sessionId: 'sales' });
    socket(0).serverOpen();
    assert.deepEqual(socket(0).sent, [{ ...SUBSCRIBE, sessionId: 'sales' }]);
  });

  test('session_update feeds the store (newer only), message_status is emitted, ping is answered', () => {
    const { socket, store } = setup();
    const statuses: string[] = [];
    store.on('message_status', (event) => statuses.push(event.status));
    socket(0).serverOpen();
    const ready = makeState({ rev: 3, status: 'ready', isReady: true, phoneNumber: '+966501234567' });
    socket(0).serverSend({ type: 'session_update', epoch: 1, rev: 3, data: ready });
    socket(0).serverSend({ type: 'session_update', epoch: 1, rev: 2, data: makeState({ rev: 2, status: 'qr' }) });
    socket(0).serverSend({ type: 'qr_code', epoch: 1, rev: 3, sessionId: 'default', data: { qr: 'data:image/png;base64,AAAA', expiresAt: null } });
    socket(0).serverSend({ type: 'message_status', data: { id: 'm1', sessionId: 'default', status: 'read', error: null, errorCode: null, updatedAt: '2025-01-01T00:00:00.000Z' } });
    socket(0).serverSend({ type: 'ping', t: 42 });
    socket(0).serverSend({ type: 'error', data: { code: 'not_allowed', message: 'Only admins may receive QR codes.' } });
    socket(0).serverSend({ type: 'campaign_progress', data: {} });
    assert.equal(store.getSnapshot().state?.status, 'ready');
    assert.equal(store.getSnapshot().source, 'ws');
    assert.deepEqual(statuses, ['read']);
    assert.deepEqual(socket(0).sent.at(-1), { type: 'pong', t: 42 });
  });

  test('message_received, sender_identified and campaign_progress are passed on; malformed ones and other sessions\' are not', () => {
    const { socket, store } = setup();
    const received: string[] = [];
    const progress: number[] = [];
    const identified: string[] = [];
    store.on('message_received', (message) => received.push(message.text));
    store.on('sender_identified', (event) => identified.push(`${event.lid}→${event.phone}`));
    store.on('campaign_progress', (event) => progress.push(event.counts.sent));
    socket(0).serverOpen();
    socket(0).serverSend({ type: 'message_received', data: makeMessage({ text: 'STOP' }) });
    socket(0).serverSend({ type: 'message_received', data: makeMessage({ sessionId: 'sales', text: 'not ours' }) });
    socket(0).serverSend({ type: 'message_received', data: { text: 'no id' } });
    socket(0).serverSend({ type: 'campaign_progress', data: makeProgress({ sent: 4 }) });
    socket(0).serverSend({ type: 'campaign_progress', data: makeProgress({ sent: 5 }, { sessionId: 'sales' }) });
    socket(0).serverSend({ type: 'campaign_progress', data: { ...makeProgress(), counts: null } });
    const sender = { sessionId: 'default', lid: '123456789@lid', phone: '+966501234567', messages: 2, optedOut: false };
    socket(0).serverSend({ type: 'sender_identified', data: sender });
    socket(0).serverSend({ type: 'sender_identified', data: { ...sender, sessionId: 'sales' } });
    socket(0).serverSend({ type: 'sender_identified', data: { ...sender, phone: null } });
    assert.deepEqual(received, ['STOP']);
    assert.deepEqual(progress, [4]);
    assert.deepEqual(identified, ['123456789@lid→+966501234567']);
    assert.equal(store.getSnapshot().state, null, 'events never touch the state');
  });

  test('35 s of silence: the socket is treated as dead, closed and replaced after a backoff', () => {
    const { socket, browser, health } = setup({ random: () => 0.5 });
    socket(0).serverOpen();
    browser.clock.advance(20_000);
    socket(0).serverSend({ type: 'ping', t: 1 }); // traffic restarts the watchdog
    browser.clock.advance(HEARTBEAT_TIMEOUT_MS - 1);
    assert.equal(socket(0).closedWith, null);
    browser.clock.advance(1);
    assert.notEqual(socket(0).closedWith, null, 'the dead socket is closed');
    assert.equal(health().kind, 'reconnecting');
    // The connection lasted > 10 s, so the backoff started over: 100 + 0.5 × 900 = 550 ms.
    assert.equal(health().retryAt, browser.clock.now() + 550);
    browser.clock.advance(549);
    assert.equal(browser.sockets.instances.length, 1);
    browser.clock.advance(1);
    assert.equal(browser.sockets.instances.length, 2);
    socket(1).serverOpen();
    assert.equal(health().kind, 'live');
  });

  test('a handshake that hangs for 35 s is abandoned and retried', () => {
    const { socket, browser, health } = setup();
    browser.clock.advance(HEARTBEAT_TIMEOUT_MS);
    assert.notEqual(socket(0).closedWith, null);
    assert.equal(health().kind, 'reconnecting');
    browser.clock.advance(1000);
    assert.equal(browser.sockets.instances.length, 2);
  });

  test('4401: no reconnect, onAuthLost instead', () => {
    const { socket, browser, authLost, health, tab } = setup();
    socket(0).serverOpen();
    socket(0).serverClose(4401);
    assert.deepEqual(authLost, ['unauthenticated']);
    assert.deepEqual(health(), { kind: 'offline', retryAt: null });
    assert.equal(browser.clock.pending, 0, 'no retry, no watchdog');
    tab.document.setVisibility('hidden');
    tab.document.setVisibility('visible');
    browser.setOnline(true);
    browser.clock.advance(120_000);
    assert.equal(browser.sockets.instances.length, 1);
  });

  test('4403 (origin refused) is an auth loss too', () => {
    const { socket, authLost, browser } = setup();
    socket(0).serverClose(4403);
    assert.deepEqual(authLost, ['forbidden']);
    browser.clock.advance(60_000);
    assert.equal(browser.sockets.instances.length, 1);
  });

  test('1001 (server shutting down) reconnects with a growing, jittered backoff', () => {
    const { socket, browser, health } = setup({ random: () => 0.999_999 });
    socket(0).serverOpen();
    socket(0).serverClose(1001);
    assert.equal(health().kind, 'reconnecting');
    assert.equal(health().retryAt, browser.clock.now() + 999);
    browser.clock.advance(999);
    socket(1).serverClose(1006); // the server is still down
    assert.equal(health().retryAt, browser.clock.now() + 1999);
    browser.clock.advance(1999);
    socket(2).serverOpen();
    browser.clock.advance(2000);
    socket(2).serverClose(1006); // up for only 2 s: not stable, the backoff keeps growing
    assert.equal(health().retryAt, browser.clock.now() + 3999);
  });

  test('a connection that stayed up 10 s resets the backoff', () => {
    const { socket, browser, health } = setup({ random: () => 0.999_999 });
    socket(0).serverClose(1006);
    browser.clock.advance(999);
    socket(1).serverClose(1006);
    browser.clock.advance(1999);
    socket(2).serverOpen();
    for (let i = 0; i < 4; i += 1) {
      browser.clock.advance(2500);
      socket(2).serverSend({ type: 'ping', t: i });
    }
    socket(2).serverClose(1006);
    assert.equal(health().retryAt, browser.clock.now() + 999);
  });

  test('visible again: reconnects at once instead of waiting out the backoff', () => {
    const { socket, browser, tab, health } = setup();
    socket(0).serverClose(1006);
    assert.equal(health().kind, 'reconnecting');
    tab.document.setVisibility('hidden');
    assert.equal(browser.sockets.instances.length, 1, 'hiding does nothing');
    tab.document.setVisibility('visible');
    assert.equal(browser.sockets.instances.length, 2);
    assert.equal(browser.clock.pending, 1, 'only the handshake watchdog: the scheduled retry was cancelled');
    tab.document.setVisibility('hidden');
    tab.document.setVisibility('visible');
    assert.equal(browser.sockets.instances.length, 2, 'a socket already opening is left alone');
  });

  test('offline: no retries, health offline; online: reconnects at once', () => {
    const { socket, browser, health } = setup();
    socket(0).serverOpen();
    browser.setOnline(false);
    assert.equal(health().kind, 'live', 'an open socket is kept until it closes');
    socket(0).serverClose(1006);
    assert.deepEqual(health(), { kind: 'offline', retryAt: null });
    assert.equal(browser.clock.pending, 0);
    browser.clock.advance(60_000);
    assert.equal(browser.sockets.instances.length, 1);
    browser.setOnline(true);
    assert.equal(browser.sockets.instances.length, 2);
  });

  test('a socket silent past the heartbeat when the tab wakes up is replaced at once', () => {
    const { socket, browser, tab } = setup();
    socket(0).serverOpen();
    // A laptop asleep: time jumps, timers have not fired yet.
    browser.clock.jump(HEARTBEAT_TIMEOUT_MS + 5000);
    tab.document.setVisibility('visible');
    assert.notEqual(socket(0).closedWith, null);
    assert.equal(browser.sockets.instances.length, 2);
  });

  test('cleanup() closes the socket and removes every timer and listener', () => {
    const { socket, browser, connection, tab } = setup();
    socket(0).serverOpen();
    socket(0).serverClose(1006);
    browser.clock.advance(10_000);
    socket(1).serverOpen();
    connection.cleanup();
    assert.equal(socket(1).closedWith, 1000);
    assert.equal(browser.clock.pending, 0);
    assert.equal(tab.document.listenerCount + tab.window.listenerCount, 0);
    socket(1).serverClose(1006);
    tab.document.setVisibility('visible');
    browser.clock.advance(60_000);
    assert.equal(browser.sockets.instances.length, 2);
  });

  test('uses the injected backoff', () => {
    const browser = fakeBrowser();
    const store = new SessionStore('default');
    const backoff = new Backoff({ baseMs: 5000, minMs: 5000, random: () => 0 });
    const connection = new SessionConnection({ url: 'ws://x/ws', store, sessionId: 'default', env: browser.tab().env, backoff });
    connection.start();
    browser.sockets.instances[0]?.serverClose(1006);
    assert.equal(store.getSnapshot().health.retryAt, browser.clock.now() + 5000);
    connection.cleanup();
  });
});
