import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { SessionState } from '@wasla/protocol';
import type { AuthLostReason } from '../lib/api.js';
import { SessionClient } from './client.js';
import type { FetchSessionState } from './poller.js';
import { fakeBrowser } from './testing-browser.js';
import { flush, makeMessage, makeProgress, makeState } from './testing.js';

type Browser = ReturnType<typeof fakeBrowser>;

/** Opens a tab running a SessionClient; its fetches answer `answer()` (304 by default). */
function openTab(browser: Browser, answer: () => SessionState | null = () => null) {
  const tab = browser.tab();
  const fetches: Array<string | null> = [];
  const authLost: AuthLostReason[] = [];
  const fetchState: FetchSessionState = async (_id, etag) => {
    fetches.push(etag);
    return answer();
  };
  const client = new SessionClient({ webSocketUrl: 'ws://wasla.test/ws', environment: () => tab.env, fetchState, onAuthLost: (reason) => authLost.push(reason) });
  client.start();
  return { ...tab, client, fetches, authLost, snapshot: () => client.store.getSnapshot() };
}

function update(state: SessionState) {
  return { type: 'session_update', epoch: state.epoch, rev: state.rev, data: state };
}

describe('leader election between tabs', () => {
  test('the first tab leads with one socket; the second follows and gets states over the channel', async () => {
    const browser = fakeBrowser();
    const first = openTab(browser);
    await flush();
    assert.equal(first.client.isLeader, true);
    assert.equal(browser.sockets.instances.length, 1);
    const socket = browser.sockets.instances[0]!;
    socket.serverOpen();
    socket.serverSend(update(makeState({ rev: 2, status: 'qr', qrCode: 'data:image/png;base64,AAAA' })));

    const second = openTab(browser);
    await flush();
    assert.equal(second.client.isLeader, false);
    assert.equal(browser.sockets.instances.length, 1, 'still one socket for the browser');
    assert.equal(second.snapshot().state?.status, 'qr', 'hello was answered with the current state');
    assert.equal(second.snapshot().source, 'tab');
    assert.equal(second.snapshot().health.kind, 'live');
    assert.equal(second.snapshot().isLoading, false);

    socket.serverSend(update(makeState({ rev: 3, status: 'ready', isReady: true, phoneNumber: '+966501234567' })));
    await flush();
    assert.equal(second.snapshot().state?.status, 'ready');
    assert.equal(second.snapshot().state?.phoneNumber, '+966501234567');

    const statuses: string[] = [];
    const received: string[] = [];
    second.client.store.on('message_status', (event) => statuses.push(event.status));
    second.client.store.on('message_received', (message) => received.push(message.text));
    socket.serverSend({ type: 'message_status', data: { id: 'm1', sessionId: 'default', status: 'delivered', error: null, errorCode: null, updatedAt: '2025-01-01T00:00:00.000Z' } });
    socket.serverSend({ type: 'message_received', data: makeMessage({ text: 'إيقاف' }) });
    socket.serverSend({ type: 'campaign_progress', data: makeProgress({ sent: 7 }) });
    await flush();
    assert.deepEqual(statuses, ['delivered']);
    assert.deepEqual(received, ['إيقاف']);
    assert.equal(second.client.campaigns.get('c1')?.counts.sent, 7, "the follower's campaign progress comes through the leader");
    assert.equal(first.client.campaigns.get('c1')?.counts.sent, 7);
    assert.equal(second.fetches.length, 0, 'followers never poll on their own');
    first.client.stop();
    second.client.stop();
  });

  test('when the leader leaves, the follower becomes leader and opens exactly one socket', async () => {
    const browser = fakeBrowser();
    const first = openTab(browser);
    const second = openTab(browser);
    const third = openTab(browser);
    await flush();
    browser.sockets.instances[0]!.serverOpen();
    browser.sockets.instances[0]!.serverSend(update(makeState({ rev: 5, status: 'ready' })));
    await flush();

    first.client.stop();
    assert.equal(browser.sockets.instances[0]!.closedWith, 1000);
    await flush();
    const leaders = [second, third].filter((tab) => tab.client.isLeader);
    assert.equal(leaders.length, 1);
    assert.equal(second.client.isLeader, true, 'the lock goes to the next tab in the queue');
    assert.equal(browser.sockets.instances.length, 2);
    assert.equal(browser.sockets.open().length, 1);
    assert.equal(second.snapshot().state?.status, 'ready', 'the new leader keeps what it had');

    browser.sockets.instances[1]!.serverOpen();
    browser.sockets.instances[1]!.serverSend(update(makeState({ rev: 6, status: 'disconnected' })));
    await flush();
    assert.equal(third.snapshot().state?.status, 'disconnected', 'the remaining follower hears the new leader');
    second.client.stop();
    third.client.stop();
  });

  test("the socket dropping makes the state unknown in every tab, since the leader's moment; live again, known again", async () => {
    const browser = fakeBrowser();
    const first = openTab(browser);
    await flush();
    const socket = browser.sockets.instances[0]!;
    socket.serverOpen();
    socket.serverSend(update(makeState({ rev: 4, status: 'ready', isReady: true })));
    await flush();
    socket.serverClose(1006);
    const since = first.snapshot().unknownSince;
    assert.equal(typeof since, 'number', 'the leader no longer knows');
    const second = openTab(browser);
    await flush();
    assert.equal(second.snapshot().state?.status, 'ready', 'the last known state');
    assert.equal(second.snapshot().unknownSince, since, "a tab opened later tells the leader's moment, not its own");
    browser.clock.advance(60_000);
    await flush();
    browser.sockets.instances.at(-1)!.serverOpen();
    await flush();
    assert.equal(first.snapshot().unknownSince, null);
    assert.equal(second.snapshot().unknownSince, null);
    first.client.stop();
    second.client.stop();
  });

  test('without Web Locks every tab is its own leader, with its own socket', async () => {
    const browser = fakeBrowser({ locks: false });
    const first = openTab(browser);
    const second = openTab(browser);
    await flush();
    assert.equal(first.client.isLeader && second.client.isLeader, true);
    assert.equal(browser.sockets.instances.length, 2);
    first.client.stop();
    second.client.stop();
  });

  test('without BroadcastChannel every tab is its own leader too', async () => {
    const browser = fakeBrowser({ channels: false });
    const first = openTab(browser);
    const second = openTab(browser);
    await flush();
    assert.equal(browser.sockets.instances.length, 2);
    first.client.stop();
    second.client.stop();
  });

  test("a follower's refresh asks the leader, who polls", async () => {
    const browser = fakeBrowser();
    const first = openTab(browser, () => makeState({ rev: 4, status: 'pairing' }));
    await flush();
    const second = openTab(browser);
    await flush();
    const before = first.fetches.length;
    await second.client.refresh();
    assert.equal(first.fetches.length, before + 1);
    assert.equal(second.fetches.length, 0);
    assert.equal(second.snapshot().state?.status, 'pairing');
    first.client.stop();
    second.client.stop();
  });

  test('a follower whose leader does not answer within 2 s polls itself', async () => {
    const browser = fakeBrowser();
    // A leader that never speaks (a frozen tab): it holds the lock and nothing else.
    void browser.locks!.request('wasla-session-leader', {}, () => new Promise<void>(() => {}));
    const follower = openTab(browser, () => makeState({ rev: 2 }));
    await flush();
    let done = false;
    const refreshed = follower.client.refresh().then(() => (done = true));
    await flush();
    assert.equal(done, false);
    browser.clock.advance(2000);
    await refreshed;
    assert.equal(follower.fetches.length, 1);
    assert.equal(follower.snapshot().state?.rev, 2);
    assert.equal(follower.client.isLeader, false);
    assert.equal(browser.sockets.instances.length, 0);
    follower.client.stop();
  });

  test('the hidden leader still polls while a follower is visible, and not when nobody looks', async () => {
    const browser = fakeBrowser();
    const leader = openTab(browser);
    await flush();
    leader.document.setVisibility('hidden');
    const follower = openTab(browser);
    await flush();
    const base = leader.fetches.length;
    browser.clock.advance(10_000);
    assert.equal(leader.fetches.length, base + 1, 'a visible follower counts');
    follower.document.setVisibility('hidden');
    await flush();
    browser.clock.advance(30_000);
    assert.equal(leader.fetches.length, base + 1, 'every tab hidden: no polls');
    leader.client.stop();
    follower.client.stop();
  });

  test('a follower becoming visible wakes a leader waiting out its backoff', async () => {
    const browser = fakeBrowser();
    const leader = openTab(browser);
    await flush();
    leader.document.setVisibility('hidden');
    const follower = openTab(browser);
    follower.document.setVisibility('hidden');
    await flush();
    browser.sockets.instances[0]!.serverClose(1006);
    assert.equal(browser.sockets.instances.length, 1);
    follower.document.setVisibility('visible');
    await flush();
    assert.equal(browser.sockets.instances.length, 2, 'reconnected at once');
    leader.client.stop();
    follower.client.stop();
  });

  test('4401 on the leader: every tab stops and hears onAuthLost; nobody takes over', async () => {
    const browser = fakeBrowser();
    const leader = openTab(browser);
    const follower = openTab(browser);
    await flush();
    browser.sockets.instances[0]!.serverClose(4401);
    await flush();
    assert.deepEqual(leader.authLost, ['unauthenticated']);
    assert.deepEqual(follower.authLost, ['unauthenticated']);
    assert.equal(follower.client.isLeader, false);
    browser.clock.advance(120_000);
    await flush();
    assert.equal(browser.sockets.instances.length, 1);
    assert.equal(browser.clock.pending, 0);
  });

  test('after a lost login the state is forgotten, and refresh() (after logging in) starts again', async () => {
    const browser = fakeBrowser();
    const tab = openTab(browser, () => makeState({ rev: 9, status: 'ready' }));
    await flush();
    browser.sockets.instances[0]!.serverOpen();
    browser.sockets.instances[0]!.serverSend(update(makeState({ rev: 9, status: 'ready', qrCode: null })));
    browser.sockets.instances[0]!.serverClose(4401);
    assert.equal(tab.snapshot().state, null, 'the next user may not see what this one did');
    assert.equal(tab.snapshot().isLoading, true);
    assert.deepEqual(tab.snapshot().health, { kind: 'offline', retryAt: null });
    await tab.client.refresh();
    assert.equal(tab.client.isLeader, true);
    assert.equal(browser.sockets.open().length, 1);
    assert.equal(tab.snapshot().state?.rev, 9);
    tab.client.stop();
  });

  test('stop() and start() again (React StrictMode) leave one leader and one socket', async () => {
    const browser = fakeBrowser();
    const tab = openTab(browser);
    tab.client.stop();
    tab.client.start();
    await flush();
    assert.equal(tab.client.isLeader, true);
    assert.equal(browser.sockets.open().length, 1);
    tab.client.stop();
    assert.equal(browser.sockets.open().length, 0);
    assert.equal(browser.clock.pending, 0);
    assert.equal(tab.document.listenerCount + tab.window.listenerCount, 0);
  });
});
