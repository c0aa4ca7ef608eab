import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { Registry } from 'prom-client';
import { frameworkErrors } from '../../http/error-handler.js';
import { createHttpMetrics } from './http-metrics.js';

async function counted(registry: Registry): Promise<Record<string, number>> {
  const metric = registry.getSingleMetric('wasla_http_requests_total');
  assert.ok(metric);
  return Object.fromEntries((await metric.get()).values.map(({ labels, value }) => [`${labels.method} ${labels.route} ${labels.status}`, value]));
}

test('the route label is the matched pattern or a name the route gives; a 404 or an address the router refuses is "unmatched"', async () => {
  const registry = new Registry();
  const metrics = createHttpMetrics(registry);
  const app = Fastify({ frameworkErrors: metrics.measured(frameworkErrors) });
  metrics.register(app);
  app.get('/items/:id', async () => ({ ok: true }));
  app.post('/items/:id/fail', async (_request, reply) => reply.status(500).send({}));
  await app.register(async (site) => {
    site.get('/*', { config: { metricsRoute: 'static' } }, async () => 'file');
  }, { prefix: '/site' });
  app.setNotFoundHandler((_request, reply) => reply.status(404).send({}));
  try {
    for (const url of ['/items/1', '/items/2', '/items/%33', '/%69tems/4']) assert.equal((await app.inject(url)).statusCode, 200, url);
    assert.equal((await app.inject({ method: 'POST', url: '/items/1/fail' })).statusCode, 500);
    for (const url of ['/site/a.js', '/site/deep/b.css']) assert.equal((await app.inject(url)).statusCode, 200, url);
    for (const url of ['/nothing', '/items', '/nothing/%2e%2e/x']) assert.equal((await app.inject(url)).statusCode, 404, url);
    assert.equal((await app.inject('/items/%zz')).statusCode, 400);
    assert.deepEqual(await counted(registry), {
      'GET /items/:id 200': 4,
      'POST /items/:id/fail 500': 1,
      'GET static 200': 2,
      'GET unmatched 404': 3,
      'GET unmatched 400': 1,
    });
    const histogram = await registry.getSingleMetric('wasla_http_request_duration_seconds')?.get();
    const values: { metricName?: string; labels: Record<string, string | number | undefined>; value: number }[] = histogram?.values ?? [];
    const count = values.find((sample) => sample.metricName === 'wasla_http_request_duration_seconds_count' && sample.labels.route === '/items/:id');
    assert.deepEqual([count?.labels.status_class, count?.value], ['2xx', 4]);
  } finally {
    await app.close();
  }
});
