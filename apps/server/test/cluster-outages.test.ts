import assert from 'node:assert/strict';
import { testNumber } from './campaign-flows.js';
import { ClusterFixture, until } from './cluster-fixture.js';
import { assertOrdered } from './flows.js';
import { testDatabases } from './harness.js';
import { redisServerSkip } from './redis-server.js';
import { after, before, describe, test } from './suite.js';
import { TcpProxy } from './tcp-proxy.js';

// Two Wasla processes through outages of what they share: their Redis (the test's own)
// killed and started again, and PostgreSQL out of reach for ten seconds behind a proxy the
// test controls (the machine's PostgreSQL is never touched). They recover by themselves:
// nothing lost, nothing sent twice, and the truth read again from PostgreSQL.
const LOGINS_PER_MINUTE = 6;
const postgres = (await testDatabases()).find((database) => database.name === 'postgres')!;

describe('a cluster rides out outages of Redis and PostgreSQL', { skip: redisServerSkip || postgres.skip }, () => {
  let cluster: ClusterFixture;
  let proxy: TcpProxy;

  before(async () => {
    const target = new URL(postgres.url!);
    proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
    cluster = await ClusterFixture.start(
      {
        database: postgres,
        leaseTtlMs: 3000,
        env: { LOGIN_RATE_LIMIT: String(LOGINS_PER_MINUTE) },
        databaseUrl: (url) => {
          const through = new URL(url);
          through.host = `127.0.0.1:${proxy.port}`;
          return through.toString();
        },
      },
      ['a', 'b'],
    );
    await cluster.link(cluster.server('a'), await cluster.socket(cluster.server('b')));
  });
  after(async () => {
    await cluster?.close();
    await proxy?.close();
  });

  const stateOf = async (name: string) => (await cluster.server(name).api(cluster.cookie, 'GET', '/api/session/state')).json as { epoch: number; rev: number; status: string };

  test('the login rate limit per address is counted by the cluster: attempts spread over both instances add up', async () => {
    // The fixture logged in once already, through the first instance.
    const servers = [cluster.server('a'), cluster.server('b')];
    const attempt = (index: number) =>
      fetch(`${servers[index % 2]!.baseUrl}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: servers[index % 2]!.baseUrl },
        // A different unknown account each time: only the limit per address applies.
        body: JSON.stringify({ email: `nobody${index}@wasla.test`, password: 'not the password' }),
      });
    const statuses: number[] = [];
    for (let index = 0; index < LOGINS_PER_MINUTE + 1; index += 1) statuses.push((await attempt(index)).status);
    assert.deepEqual(statuses.slice(0, LOGINS_PER_MINUTE - 1), Array(LOGINS_PER_MINUTE - 1).fill(401));
    assert.deepEqual(statuses.slice(LOGINS_PER_MINUTE - 1), [429, 429], `the limit holds on both instances together: ${statuses.join(' ')}`);
  });

  test('Redis killed while the session changes: the other instance missed the events, reads the truth again from PostgreSQL once Redis is back, and its browsers get it without a reload', async () => {
    const ownerId = (await cluster.ownerOf('default', cluster.server('a')))!;
    const otherId = ownerId === 'a' ? 'b' : 'a';
    const watcher = await cluster.socket(cluster.server(otherId));
    const before = await stateOf(ownerId);

    await cluster.redis.stop('SIGKILL');
    // WhatsApp drops the connection: the owner goes disconnected and back to ready, and nobody else hears of it.
    await cluster.control('POST', '/control/drop');
    const after = await until('the owner reconnected', 20_000, async () => {
      const state = await stateOf(ownerId);
      return state.status === 'ready' && state.rev > before.rev + 1 ? state : null;
    });
    assert.equal((await stateOf(otherId)).rev, before.rev, 'the other instance could not hear it while Redis was away');
    // Its readiness says Redis is out of reach, so the load balancer sends no one there.
    assert.equal((await fetch(`${cluster.server(otherId).baseUrl}/readyz`)).status, 503);

    await cluster.redis.start();
    await until('the other instance read the state again', 15_000, async () => {
      const state = await stateOf(otherId);
      return state.epoch === after.epoch && state.rev >= after.rev;
    });
    await watcher.waitFor((m) => m.type === 'session_update' && m.data.epoch === after.epoch && m.data.rev >= after.rev, 5000);
    assertOrdered(watcher);
    await until('ready again', 10_000, async () => (await fetch(`${cluster.server(otherId).baseUrl}/readyz`)).ok);

    // Commands reach the owner again through Redis.
    const sent = await until('a send through the other instance is taken', 10_000, async () => {
      const response = await cluster.server(otherId).api(cluster.cookie, 'POST', '/api/messages', { to: testNumber(700), text: 'after the Redis outage' });
      return response.status === 202 ? response.json : null;
    });
    await until('the world received it', 10_000, async () => (await cluster.worldMessages()).some((message) => message.id === sent.id));
  });

  test('PostgreSQL out of reach for ten seconds mid-campaign: the instances step down, take the session up again by themselves, and the campaign finishes with nobody messaged twice', async () => {
    const via = cluster.server('b');
    const count = 30;
    const worldBefore = (await cluster.worldMessages()).length;
    const campaignId = await cluster.startCampaign(via, 'Through a database outage', 200, count);
    await until('some were sent', 20_000, async () => (await cluster.worldMessages()).length - worldBefore >= 5);

    await proxy.cut();
    await until('the instances say they are not ready', 10_000, async () => {
      const answers = await Promise.all(cluster.live().map((server) => fetch(`${server.baseUrl}/readyz`)));
      return answers.every((answer) => answer.status === 503);
    });
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    await proxy.restore();

    await until('the session is ready again', 30_000, async () => (await stateOf('a')).status === 'ready' && (await stateOf('b')).status === 'ready');
    const counts = await cluster.assertCompletedOnce(via, campaignId, 200, count, worldBefore);
    assert.ok((counts.unknown ?? 0) <= 1, `at most the message in flight is unknown: ${JSON.stringify(counts)}`);
  });
});
