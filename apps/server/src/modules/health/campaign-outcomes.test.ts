import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { emptyRecipientCounts } from '@wasla/protocol';
import type { CampaignProgress, CampaignStatus, RecipientCounts } from '@wasla/protocol';
import { InProcessEventBus } from '../../events/in-process.js';
import { CampaignOutcomes } from './campaign-outcomes.js';
import type { CampaignCounts } from './campaign-outcomes.js';

function progress(campaignId: string, status: CampaignStatus, counts: Partial<RecipientCounts>, sessionId = 'default'): CampaignProgress {
  return { campaignId, sessionId, status, pause: null, waiting: null, counts: { ...emptyRecipientCounts(), ...counts }, ratePerMinute: 0, etaSeconds: null, at: '2025-01-01T00:00:00.000Z' };
}

function setup(options: { unfinished?: CampaignCounts[]; sends?: (sessionId: string) => boolean } = {}) {
  const bus = new InProcessEventBus(pino({ level: 'silent' }));
  const registry = new Registry();
  const outcomes = new CampaignOutcomes({
    bus,
    registry,
    unfinished: async (sessionId) => (options.unfinished ?? []).filter((campaign) => sessionId === undefined || campaign.id.startsWith(sessionId)),
    ...(options.sends ? { sends: options.sends } : {}),
  });
  /** Publishes and resolves once the outcomes have seen it (a listener subscribed later runs later). */
  const publish = (event: CampaignProgress): Promise<void> => {
    const seen = new Promise<void>((resolve) => {
      const stop = bus.subscribe('campaign_progress', () => {
        stop();
        resolve();
      });
    });
    bus.publish('campaign_progress', event);
    return seen;
  };
  const counted = async (): Promise<Record<string, number>> => {
    const metric = registry.getSingleMetric('wasla_campaign_messages_total');
    assert.ok(metric);
    return Object.fromEntries((await metric.get()).values.map(({ labels, value }) => [String(labels.outcome), value]));
  };
  return { outcomes, publish, counted };
}

test('counts what each outcome grew by since the last progress, in the counts’ own terms', async () => {
  const { publish, counted } = setup();
  assert.deepEqual(await counted(), { sent: 0, delivered: 0, read: 0, failed: 0, skipped: 0, unknown: 0 });
  // Started: two skipped at import or for opting out, counted from zero (it was a draft).
  await publish(progress('A', 'running', { total: 6, pending: 4, skipped: 2 }));
  await publish(progress('A', 'running', { total: 6, pending: 2, sent: 2, skipped: 2 }));
  // One read straight from sending (its ack was missed): sent, delivered and read at once.
  await publish(progress('A', 'running', { total: 6, pending: 1, sent: 3, delivered: 2, read: 1, skipped: 2 }));
  await publish(progress('A', 'completed', { total: 6, pending: 0, sent: 3, delivered: 3, read: 3, failed: 1, skipped: 2 }));
  assert.deepEqual(await counted(), { sent: 3, delivered: 3, read: 3, failed: 1, skipped: 2, unknown: 0 });
});

test('a progress read earlier but published later counts nothing twice; a count that falls takes nothing back', async () => {
  const { publish, counted } = setup();
  await publish(progress('A', 'running', { sent: 5, delivered: 4 }));
  await publish(progress('A', 'running', { sent: 4, delivered: 3 }));
  await publish(progress('A', 'running', { sent: 5, delivered: 5 }));
  assert.deepEqual(await counted(), { sent: 5, delivered: 5, read: 0, failed: 0, skipped: 0, unknown: 0 });
  // A sent message fails later: sent falls to 4 in the counts, failed grows.
  await publish(progress('A', 'running', { sent: 4, delivered: 4, failed: 1 }));
  assert.deepEqual(await counted(), { sent: 5, delivered: 5, read: 0, failed: 1, skipped: 0, unknown: 0 });
});

test('after a restart: the unfinished campaigns count from their counts then, recovery included; one already finished counts nothing', async () => {
  const { outcomes, publish, counted } = setup({ unfinished: [{ id: 'A', counts: { ...emptyRecipientCounts(), total: 10, pending: 4, sent: 6, delivered: 6 } }] });
  await outcomes.follow();
  // Recovery: a message interrupted mid-send is unknown; then one more is sent.
  await publish(progress('A', 'running', { total: 10, pending: 3, sent: 6, delivered: 6, unknown: 1 }));
  await publish(progress('A', 'running', { total: 10, pending: 2, sent: 7, delivered: 6, unknown: 1 }));
  // A late read receipt for a campaign that finished before this start.
  await publish(progress('B', 'completed', { total: 3, sent: 3, delivered: 3, read: 2 }));
  await publish(progress('B', 'completed', { total: 3, sent: 3, delivered: 3, read: 3 }));
  assert.deepEqual(await counted(), { sent: 1, delivered: 0, read: 1, failed: 0, skipped: 0, unknown: 1 });
});

test('in a cluster only the session’s owner counts; taking a session over counts its campaigns from then on', async () => {
  const owned = new Set(['s1']);
  const { outcomes, publish, counted } = setup({
    unfinished: [{ id: 's2-campaign', counts: { ...emptyRecipientCounts(), total: 4, sent: 2 } }],
    sends: (sessionId) => owned.has(sessionId),
  });
  await publish(progress('s1-campaign', 'running', { sent: 1 }, 's1'));
  await publish(progress('s2-campaign', 'running', { sent: 2 }, 's2'));
  assert.deepEqual((await counted()).sent, 1, 'another instance sends s2’s campaign and counts it');
  owned.add('s2');
  await outcomes.follow('s2');
  await publish(progress('s2-campaign', 'running', { sent: 3 }, 's2'));
  assert.deepEqual((await counted()).sent, 2);
});
