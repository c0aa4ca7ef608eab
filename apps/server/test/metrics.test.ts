import { describe, test } from './suite.js';
import assert from 'node:assert/strict';
import { Stack, testDatabases } from './harness.js';
import { withSession } from './flows.js';
import { createCampaign, testNumber, waitForProgress } from './campaign-flows.js';

const databases = await testDatabases();

/** One metric's samples from the text /metrics answers: `name{labels}` → value. */
function samples(text: string, name: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const space = line.lastIndexOf(' ');
    found.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return found;
}

async function scrape(stack: Stack, key: string): Promise<string> {
  const response = await fetch(`${stack.baseUrl}/metrics`, { headers: { authorization: `Bearer ${key}` } });
  assert.equal(response.status, 200);
  return response.text();
}

/** The `route` label values of the requests counted so far. */
function routes(text: string): Set<string> {
  return new Set([...samples(text, 'wasla_http_requests_total{').keys()].map((series) => /route="([^"]*)"/.exec(series)?.[1] ?? ''));
}

for (const database of databases) {
  describe(`metrics on ${database.name}`, { skip: database.skip }, () => {
    test('HTTP requests by the route they matched, never the URL: ids and percent-encoded spellings are one series, with latencies', async () => {
      const stack = await Stack.start({ database });
      try {
        const cookie = await stack.login();
        const { key } = (await stack.api(cookie, 'POST', '/api/api-keys', { name: 'prometheus', role: 'operator' })).json as { key: string };
        const created = await stack.api(cookie, 'POST', '/api/campaigns', { name: 'Metrics', template: 'Hi' });
        assert.equal(created.status, 201);
        const id = created.json.id as string;
        assert.equal((await stack.api(cookie, 'GET', `/api/campaigns/${id}`)).status, 200);
        assert.equal((await stack.api(cookie, 'GET', '/api/campaigns/no-such-campaign')).status, 404);
        const before = routes(await scrape(stack, key));

        // Other spellings of the same route, and of the same campaign.
        const encodedId = [...id].map((char) => `%${char.charCodeAt(0).toString(16)}`).join('');
        for (const url of [`/api/campaigns/${encodedId}`, `/api/%63ampaigns/${id}`, `/api/campaigns/${id}?x=1`]) {
          assert.equal((await stack.api(cookie, 'GET', url)).status, 200, url);
        }
        // Requests no route matches: their URLs are the caller's, so they are one label.
        for (const url of ['/api/nothing-here', `/api/nothing/${id}`, '/api/%6eothing']) assert.equal((await stack.api(cookie, 'GET', url)).status, 404, url);
        assert.equal((await stack.api(cookie, 'POST', '/no/such/route', {})).status, 404);
        // An address the router refuses (bad percent-encoding) runs no hook, and is counted all the same.
        assert.equal((await stack.api(cookie, 'GET', '/api/campaigns/%zz')).status, 400);
        // The dashboard's files are one label too.
        assert.equal((await fetch(`${stack.baseUrl}/login/`)).status, 200);

        const text = await scrape(stack, key);
        const requests = samples(text, 'wasla_http_requests_total{');
        assert.equal(requests.get(`wasla_http_requests_total{method="GET",route="/api/campaigns/:id",status="200"}`), 4);
        assert.equal(requests.get(`wasla_http_requests_total{method="GET",route="/api/campaigns/:id",status="404"}`), 1);
        assert.equal(requests.get(`wasla_http_requests_total{method="POST",route="/api/campaigns",status="201"}`), 1);
        assert.equal(requests.get(`wasla_http_requests_total{method="GET",route="unmatched",status="404"}`), 3);
        assert.equal(requests.get(`wasla_http_requests_total{method="POST",route="unmatched",status="404"}`), 1);
        assert.equal(requests.get(`wasla_http_requests_total{method="GET",route="unmatched",status="400"}`), 1);
        assert.equal(requests.get(`wasla_http_requests_total{method="GET",route="static",status="200"}`), 1);
        // (A scrape is counted once answered: the first one appears in the second.)
        assert.deepEqual([...routes(text)].filter((route) => !before.has(route)).sort(), ['/metrics', 'static', 'unmatched'], 'no new label for an id or a spelling');
        for (const route of routes(text)) assert.doesNotMatch(route, /%|\?|no-such|nothing/, route);

        const histogram = samples(text, 'wasla_http_request_duration_seconds_');
        assert.equal(histogram.get('wasla_http_request_duration_seconds_count{method="GET",route="/api/campaigns/:id",status_class="2xx"}'), 4);
        assert.equal(histogram.get('wasla_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/api/campaigns/:id",status_class="2xx"}'), 4);
        assert.ok((histogram.get('wasla_http_request_duration_seconds_sum{method="GET",route="/api/campaigns/:id",status_class="2xx"}') ?? 0) > 0);
        // The scrapes themselves are requests like the others.
        assert.ok((requests.get('wasla_http_requests_total{method="GET",route="/metrics",status="200"}') ?? 0) >= 1);
        // Registered always, fed by cluster mode only.
        assert.match(text, /^wasla_cluster_sessions_owned 0$/m);
        assert.match(text, /^wasla_cluster_lease_takeovers_total\{cause="expired"\} 0$/m);
      } finally {
        await stack.close();
      }
    });

    test('campaign messages by outcome add up to the campaign’s counts', async () => {
      await withSession({ database, linked: true }, async ({ stack, cookie }) => {
        const socket = await stack.socket(cookie, ['session_update', 'campaign_progress']);
        const valid = Array.from({ length: 6 }, (_, i) => testNumber(i + 1));
        const notOnWhatsApp = valid.slice(4);
        await stack.control('PUT', '/control/numbers', { onWhatsApp: valid.filter((n) => !notOnWhatsApp.includes(n)) });
        // Six numbers, two not on WhatsApp, one invalid row: skipped at import, counted once the campaign starts.
        const csv = ['phone,name', ...valid.map((phone, i) => `${phone},N${i}`), '12,Bad'].join('\n');
        const { campaign } = await createCampaign(stack, cookie, { template: 'Hello {{name}}', csv });
        assert.equal((await stack.api(cookie, 'POST', `/api/campaigns/${campaign.id}/start`)).status, 200);
        // The emulator delivers and reads every message it receives.
        await waitForProgress(socket, campaign.id, (p) => p.status === 'completed' && p.counts.read === 4, 60_000);

        const { counts } = (await stack.api(cookie, 'GET', `/api/campaigns/${campaign.id}`)).json as { counts: Record<string, number> };
        assert.deepEqual(counts, { total: 7, pending: 0, sent: 4, delivered: 4, read: 4, failed: 0, skipped: 3, unknown: 0 });
        const metric = stack.app.metrics.registry.getSingleMetric('wasla_campaign_messages_total');
        assert.ok(metric);
        const outcomes = Object.fromEntries((await metric.get()).values.map(({ labels, value }) => [String(labels.outcome), value]));
        assert.deepEqual(outcomes, { sent: counts.sent, delivered: counts.delivered, read: counts.read, failed: counts.failed, skipped: counts.skipped, unknown: counts.unknown });
        socket.close();
      });
    });

    test('/readyz says not ready as soon as the app starts closing', async () => {
      const stack = await Stack.start({ database });
      try {
        assert.equal((await stack.app.http.inject('/readyz')).statusCode, 200);
        const closed = stack.app.close();
        // Either our answer or Fastify's own once its server closes: never "ready".
        assert.equal((await stack.app.http.inject('/readyz')).statusCode, 503);
        await closed;
      } finally {
        await stack.close();
      }
    });
  });
}
