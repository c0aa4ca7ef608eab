import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import type { RedisEventBusOptions } from '../../events/redis.js';
import { createClusterMetrics } from './cluster-metrics.js';

/** The metric's samples as `name{labels}` → value. */
async function samples(registry: Registry, name: string): Promise<Map<string, number>> {
  const metric = registry.getSingleMetric(name);
  assert.ok(metric, `${name} is registered`);
  const found = new Map<string, number>();
  // Histograms name each sample (`_bucket`, `_count`); prom-client types only some metrics' samples with a name.
  const values: { metricName?: string; labels: Record<string, string | number | undefined>; value: number }[] = (await metric.get()).values;
  for (const { metricName, labels, value } of values) {
    const text = Object.entries(labels)
      .map(([key, label]) => `${key}="${label}"`)
      .join(',');
    found.set(`${metricName ?? name}{${text}}`, value);
  }
  return found;
}

test('registered with zeros for every cause and reason before cluster mode feeds anything', async () => {
  const registry = new Registry();
  createClusterMetrics(registry);
  assert.deepEqual(
    [...(await samples(registry, 'wasla_cluster_lease_takeovers_total'))],
    [
      ['wasla_cluster_lease_takeovers_total{cause="expired"}', 0],
      ['wasla_cluster_lease_takeovers_total{cause="handover"}', 0],
      ['wasla_cluster_lease_takeovers_total{cause="free"}', 0],
    ],
  );
  assert.equal((await samples(registry, 'wasla_cluster_lease_losses_total')).size, 3);
  assert.deepEqual([...(await samples(registry, 'wasla_cluster_sessions_owned'))], [['wasla_cluster_sessions_owned{}', 0]]);
  const text = await registry.metrics();
  assert.match(text, /# TYPE wasla_cluster_event_delivery_seconds histogram/);
  assert.doesNotMatch(text, /instance=/, 'the instance is the scrape target, not a label');
});

test('what the wiring reports: owned sessions, takeovers by cause, losses by reason, delivery delays in seconds', async () => {
  const registry = new Registry();
  const cluster = createClusterMetrics(registry);
  cluster.sessionsOwned(3);
  cluster.sessionsOwned(2);
  cluster.takeover('expired');
  cluster.takeover('expired');
  cluster.takeover('handover');
  cluster.leaseLost('renewal_refused');
  cluster.eventDelivered('session_update', 3);
  cluster.eventDelivered('session_update', 40);
  cluster.eventDelivered('campaign_progress', 0.5);
  // A clock a little behind another instance's says "before it was sent": it is no negative time.
  cluster.eventDelivered('campaign_progress', -2);

  assert.equal((await samples(registry, 'wasla_cluster_sessions_owned')).get('wasla_cluster_sessions_owned{}'), 2);
  const takeovers = await samples(registry, 'wasla_cluster_lease_takeovers_total');
  assert.equal(takeovers.get('wasla_cluster_lease_takeovers_total{cause="expired"}'), 2);
  assert.equal(takeovers.get('wasla_cluster_lease_takeovers_total{cause="handover"}'), 1);
  assert.equal(takeovers.get('wasla_cluster_lease_takeovers_total{cause="free"}'), 0);
  assert.equal((await samples(registry, 'wasla_cluster_lease_losses_total')).get('wasla_cluster_lease_losses_total{reason="renewal_refused"}'), 1);

  const delivery = await samples(registry, 'wasla_cluster_event_delivery_seconds');
  assert.equal(delivery.get('wasla_cluster_event_delivery_seconds_count{event="session_update"}'), 2);
  assert.ok(Math.abs((delivery.get('wasla_cluster_event_delivery_seconds_sum{event="session_update"}') ?? 0) - 0.043) < 1e-9);
  // Buckets fit milliseconds: 3 ms is above 2.5 ms and within 5 ms; 40 ms within 50 ms.
  assert.equal(delivery.get('wasla_cluster_event_delivery_seconds_bucket{le="0.0025",event="session_update"}'), 0);
  assert.equal(delivery.get('wasla_cluster_event_delivery_seconds_bucket{le="0.005",event="session_update"}'), 1);
  assert.equal(delivery.get('wasla_cluster_event_delivery_seconds_bucket{le="0.05",event="session_update"}'), 2);
  assert.equal(delivery.get('wasla_cluster_event_delivery_seconds_bucket{le="0.001",event="campaign_progress"}'), 2);
  assert.equal(delivery.get('wasla_cluster_event_delivery_seconds_sum{event="campaign_progress"}'), 0.0005);
});

test('eventDelivered fits RedisEventBus’s onRemoteDelivery as it is (checked by the compiler)', () => {
  const cluster = createClusterMetrics(new Registry());
  const options: Pick<RedisEventBusOptions, 'onRemoteDelivery'> = { onRemoteDelivery: cluster.eventDelivered };
  options.onRemoteDelivery?.('message_status', 1);
});
