import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import type { Campaign } from '@wasla/protocol';
import { CAMPAIGNS_REMEMBERED, CampaignProgressBook, withProgress } from './campaign-progress.js';
import { SessionClient } from './client.js';
import { SessionProvider, useCampaignProgress, useCampaignsProgress } from './index.js';
import { fakeBrowser } from './testing-browser.js';
import { flush, makeProgress } from './testing.js';

function campaign(overrides: Partial<Campaign> = {}): Campaign {
  return {
    id: 'c1',
    sessionId: 'default',
    name: 'Ramadan offers',
    template: 'Hello {{name}}',
    variables: ['name'],
    status: 'running',
    limits: { minGapMs: 8000, maxGapMs: 20_000, hourlyCap: 120, dailyCap: 600, quietHours: null },
    options: { missingValues: 'refuse' },
    scheduledAt: null,
    pause: null,
    waiting: null,
    counts: { total: 10, pending: 10, sent: 0, delivered: 0, read: 0, failed: 0, skipped: 0, unknown: 0 },
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:10.000Z',
    startedAt: '2025-01-01T00:00:05.000Z',
    finishedAt: null,
    ...overrides,
  };
}

describe('CampaignProgressBook', () => {
  test('keeps the newest progress per campaign; an older one is dropped', () => {
    const book = new CampaignProgressBook();
    let changes = 0;
    book.subscribe(() => (changes += 1));
    assert.equal(book.record(makeProgress({ sent: 2 }, { at: '2025-01-01T00:00:02.000Z' })), true);
    assert.equal(book.record(makeProgress({ sent: 5 }, { at: '2025-01-01T00:00:05.000Z' })), true);
    assert.equal(book.record(makeProgress({ sent: 3 }, { at: '2025-01-01T00:00:03.000Z' })), false, 'late: the bar never moves back');
    assert.equal(book.get('c1')?.counts.sent, 5);
    assert.equal(book.get('c2'), null);
    book.record(makeProgress({ sent: 1 }, { campaignId: 'c2' }));
    assert.deepEqual([...book.getAll().keys()], ['c1', 'c2']);
    assert.equal(changes, 3);
  });

  test('getAll() is the same object until something changes, so React skips renders', () => {
    const book = new CampaignProgressBook();
    const empty = book.getAll();
    assert.equal(book.getAll(), empty);
    book.record(makeProgress({ sent: 1 }));
    const first = book.getAll();
    assert.notEqual(first, empty);
    assert.equal(book.getAll(), first);
    book.record(makeProgress({ sent: 0 }, { at: '2024-12-31T00:00:00.000Z' }));
    assert.equal(book.getAll(), first, 'a dropped event changes nothing');
  });

  test(`remembers at most ${CAMPAIGNS_REMEMBERED} campaigns, forgetting the one heard of longest ago`, () => {
    const book = new CampaignProgressBook();
    for (let i = 0; i <= CAMPAIGNS_REMEMBERED; i += 1) book.record(makeProgress({}, { campaignId: `c${i}` }));
    assert.equal(book.getAll().size, CAMPAIGNS_REMEMBERED);
    assert.equal(book.get('c0'), null);
    assert.ok(book.get(`c${CAMPAIGNS_REMEMBERED}`));
  });

  test('clear() forgets everything and tells the listeners once', () => {
    const book = new CampaignProgressBook();
    let changes = 0;
    book.record(makeProgress());
    book.subscribe(() => (changes += 1));
    book.clear();
    book.clear();
    assert.equal(book.getAll().size, 0);
    assert.equal(changes, 1);
  });
});

describe('withProgress', () => {
  test('a newer progress replaces status, pause, waiting and counts', () => {
    const progress = makeProgress({ sent: 4 }, { at: '2025-01-01T00:00:20.000Z', status: 'paused', pause: { code: 'session_not_ready', reason: 'WhatsApp is not connected.', at: '2025-01-01T00:00:20.000Z' } });
    const live = withProgress(campaign(), progress);
    assert.equal(live.status, 'paused');
    assert.equal(live.pause?.code, 'session_not_ready');
    assert.equal(live.counts.sent, 4);
    assert.equal(live.name, 'Ramadan offers');
  });

  test('the progress that tells of the end gives the finishing time', () => {
    const done = withProgress(campaign(), makeProgress({ sent: 10, pending: 0 }, { status: 'completed', at: '2025-01-01T00:05:00.000Z' }));
    assert.equal(done.finishedAt, '2025-01-01T00:05:00.000Z');
    assert.equal(withProgress(campaign(), makeProgress({ sent: 1 }, { at: '2025-01-01T00:01:00.000Z' })).finishedAt, null);
  });

  test('an older progress, another campaign\'s, or none leaves the fetched campaign as it is', () => {
    const fetched = campaign({ status: 'paused', updatedAt: '2025-01-01T00:00:30.000Z' });
    assert.equal(withProgress(fetched, makeProgress({ sent: 4 }, { at: '2025-01-01T00:00:20.000Z' })), fetched);
    assert.equal(withProgress(fetched, makeProgress({ sent: 4 }, { campaignId: 'c2', at: '2025-01-01T00:01:00.000Z' })), fetched);
    assert.equal(withProgress(fetched, null), fetched);
  });
});

describe('campaign progress in the session client', () => {
  test('progress from the socket lands in client.campaigns; a lost login clears it', async () => {
    const browser = fakeBrowser();
    const tab = browser.tab();
    const client = new SessionClient({ webSocketUrl: 'ws://wasla.test/ws', environment: () => tab.env, fetchState: async () => null });
    client.start();
    await flush();
    const socket = browser.sockets.instances[0]!;
    socket.serverOpen();
    socket.serverSend({ type: 'campaign_progress', data: makeProgress({ sent: 6 }) });
    assert.equal(client.campaigns.get('c1')?.counts.sent, 6);
    socket.serverClose(4401);
    assert.equal(client.campaigns.get('c1'), null);
    client.stop();
  });

  test('the hooks render on the server: no progress yet', () => {
    const Bar = () => {
      const one = useCampaignProgress('c1');
      const all = useCampaignsProgress();
      return createElement('span', null, `${one === null}|${all.size}`);
    };
    const html = renderToString(createElement(SessionProvider, { children: createElement(Bar) }));
    assert.match(html, />true\|0</);
  });
});
