import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { testNumber } from './campaign-flows.js';
import { ClusterFixture, until } from './cluster-fixture.js';
import { assertOrdered } from './flows.js';
import { testDatabases } from './harness.js';
import { redisServerSkip } from './redis-server.js';
import { after, before, describe, test } from './suite.js';

// Three Wasla processes on one PostgreSQL schema and a Redis of the test's own, one
// emulated WhatsApp: each session is run by one process at a time; kill -9 or SIGSTOP it
// and another takes over — no scan, no duplicate, nothing lost.
const FAILOVER_LIMIT_MS = 30_000;

const postgres = (await testDatabases()).find((database) => database.name === 'postgres')!;

describe('three instances, one truth, failover', { skip: redisServerSkip || postgres.skip }, () => {
  let cluster: ClusterFixture;

  before(async () => {
    cluster = await ClusterFixture.start({ database: postgres, leaseTtlMs: 3000 }, ['a', 'b', 'c']);
  });
  after(async () => {
    await cluster?.close();
  });

  test('a session started through one instance is run by exactly one; a browser on another links it by QR and every instance says the same', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((id) => cluster.server(id));
    const { cookie } = cluster;
    const watcher = await cluster.socket(c!);
    await cluster.link(b!, watcher);

    const owner = await cluster.ownerOf('default', a!);
    assert.ok(owner, 'somebody owns the session');
    const states = await Promise.all([a!, b!, c!].map((server) => server.api(cookie, 'GET', '/api/session/state')));
    for (const state of states) assert.equal(state.json.status, 'ready', JSON.stringify(state.json));
    assert.equal(new Set(states.map((state) => `${state.json.epoch}/${state.json.rev}`)).size, 1, 'every instance says the same state');

    // A message sent through an instance that does not run the session goes out once, from its owner.
    const other = [a!, b!, c!].find((server) => server.name !== owner)!;
    const sent = await other.api(cookie, 'POST', '/api/messages', { to: testNumber(900), text: 'through another instance' });
    assert.equal(sent.status, 202, JSON.stringify(sent.json));
    await until('the world received it', 10_000, async () => (await cluster.worldMessages()).some((message) => message.id === sent.json.id));
    assertOrdered(watcher);
  });

  test('every command reaches the owner from any instance, and its answer and errors are the owner\'s', async () => {
    const { cookie } = cluster;
    const servers = cluster.live();
    const watcher = await cluster.socket(servers[0]!);
    const stateEverywhere = async (status: string) =>
      until(`every instance says ${status}`, 20_000, async () => {
        const states = await Promise.all(servers.map((server) => server.api(cookie, 'GET', '/api/session/state')));
        return states.every((state) => state.json.status === status) && new Set(states.map((state) => `${state.json.epoch}/${state.json.rev}`)).size === 1;
      });
    // Session commands, each through another instance (whoever owns the session).
    for (const [index, server] of servers.entries()) {
      const stopped = await server.api(cookie, 'POST', '/api/session/stop');
      assert.equal(stopped.status, 200, `stop through ${server.name}: ${JSON.stringify(stopped.json)}`);
      assert.equal(stopped.json.status, 'stopped');
      await stateEverywhere('stopped');
      const next = servers[(index + 1) % servers.length]!;
      const started = await next.api(cookie, 'POST', index % 2 === 0 ? '/api/session/start' : '/api/session/restart');
      assert.equal(started.status, 200, `start through ${next.name}: ${JSON.stringify(started.json)}`);
      // Linked already: back to ready without a scan.
      await stateEverywhere('ready');
    }
    // An error is the owner's own, wherever it was asked: a second pairing code while linked, a session that doesn't exist.
    for (const server of servers) {
      const refused = await server.api(cookie, 'POST', '/api/session/pairing-code', { phoneNumber: '+966501234567' });
      assert.equal(refused.status, 409, `${server.name}: ${JSON.stringify(refused.json)}`);
      assert.equal((await server.api(cookie, 'POST', '/api/sessions/nope/start')).status, 404);
    }
    // A campaign: started, paused, resumed and cancelled, each through another instance.
    const before = (await cluster.worldMessages()).length;
    const campaignId = await cluster.startCampaign(servers[0]!, 'Commands', 500, 200);
    for (const [step, change, status] of [
      [1, 'pause', 'paused'],
      [2, 'resume', 'running'],
      [0, 'cancel', 'cancelled'],
    ] as const) {
      const answer = await servers[step]!.api(cookie, 'POST', `/api/campaigns/${campaignId}/${change}`);
      assert.equal(answer.status, 200, `${change} through ${servers[step]!.name}: ${JSON.stringify(answer.json)}`);
      assert.equal(answer.json.status, status);
    }
    const sentBeforeCancel = (await cluster.worldMessages()).length - before;
    assert.ok(sentBeforeCancel < 200, 'the cancel stopped the campaign');
    assertOrdered(watcher);
  });

  test('kill -9 of the owner mid-campaign: ready again elsewhere within 30 s without a scan, zero duplicates, every recipient accounted for, and what contacts sent meanwhile arrives', async () => {
    const { cookie } = cluster;
    const ownerId = (await cluster.ownerOf('default', cluster.live()[0]!))!;
    const owner = cluster.server(ownerId);
    const survivors = cluster.live().filter((server) => server !== owner);
    const watcher = await cluster.socket(survivors[0]!);

    const count = 40;
    const before = (await cluster.worldMessages()).length;
    const campaignId = await cluster.startCampaign(survivors[1]!, 'Failover', 0, count);
    await until('a quarter was sent', 20_000, async () => (await cluster.worldMessages()).length - before >= count / 4);

    const from = watcher.received.length;
    const epochBefore = (await survivors[0]!.api(cookie, 'GET', '/api/session/state')).json.epoch as number;
    const killedAt = performance.now();
    await owner.kill();
    // A contact writes while nobody runs the session: WhatsApp keeps it for the linked device.
    const inbound = await cluster.control('POST', '/control/inbound', { from: testNumber(950), text: 'written during the failover' });
    await watcher.waitFor((m) => m.type === 'session_update' && m.data.status === 'ready' && m.data.epoch > epochBefore, FAILOVER_LIMIT_MS, from);
    const failoverMs = performance.now() - killedAt;
    assert.ok(failoverMs <= FAILOVER_LIMIT_MS, `ready again after ${Math.round(failoverMs)} ms`);
    const newOwner = await until('another instance owns the session', 5000, () => cluster.ownerOf('default', survivors[0]!));
    assert.notEqual(newOwner, ownerId);
    // What an operator sees of it: the new owner took an expired lease, and owns one session.
    const metrics = await (await fetch(`${cluster.server(newOwner).baseUrl}/metrics`, { headers: { cookie } })).text();
    assert.match(metrics, /^wasla_cluster_lease_takeovers_total\{cause="expired"\} [1-9]/m);
    assert.match(metrics, /^wasla_cluster_sessions_owned 1$/m);
    assert.match(metrics, /^wasla_cluster_event_delivery_seconds_count\{event="session_update"\} [1-9]/m);

    await cluster.assertCompletedOnce(survivors[1]!, campaignId, 0, count, before);
    await until('the message written during the failover arrived', 20_000, async () => {
      const page = await survivors[0]!.api(cookie, 'GET', '/api/messages?limit=100');
      return (page.json.items as { id: string }[]).some((message) => message.id === inbound.id);
    });
    assertOrdered(watcher);
    process.stdout.write(`# failover after kill -9: ${Math.round(failoverMs)} ms\n`);
  });

  test('SIGSTOP of the owner until its lease is taken, then SIGCONT: it steps down at once, sends nothing twice, and the campaign finishes once', async () => {
    const { cookie } = cluster;
    const ownerId = (await cluster.ownerOf('default', cluster.live()[0]!))!;
    const owner = cluster.server(ownerId);
    const other = cluster.live().find((server) => server !== owner)!;
    const watcher = await cluster.socket(other);

    const count = 30;
    const before = (await cluster.worldMessages()).length;
    const campaignId = await cluster.startCampaign(other, 'Paused owner', 100, count);
    await until('some were sent', 20_000, async () => (await cluster.worldMessages()).length - before >= 5);

    const from = watcher.received.length;
    const epochBefore = (await other.api(cookie, 'GET', '/api/session/state')).json.epoch as number;
    owner.signal('SIGSTOP');
    await watcher.waitFor((m) => m.type === 'session_update' && m.data.status === 'ready' && m.data.epoch > epochBefore, FAILOVER_LIMIT_MS, from);
    const takenBy = await until('another instance owns the session', 5000, async () => {
      const id = await cluster.ownerOf('default', other);
      return id && id !== ownerId ? id : null;
    });
    assert.notEqual(takenBy, ownerId);
    owner.signal('SIGCONT');
    // It answers again, and its lease is gone: it stopped running the session at once
    // (placement may hand the session back to it later, with a new token, by a clean hand-over).
    await until('the paused instance answers again', 10_000, async () => (await fetch(`${owner.baseUrl}/healthz`)).ok);
    await until('the paused instance says it lost the lease', 10_000, async () => owner.logs.some((line) => line.includes("lost the session's lease")));
    await cluster.assertCompletedOnce(other, campaignId, 100, count, before);
    assertOrdered(watcher);
  });

  test('a scheduled start belongs to the cluster, not to a process: its owner killed before the time, the campaign starts on time on the next owner', async () => {
    while (cluster.live().length < 3) await cluster.startInstance(`spare${cluster.servers.size}`);
    const ownerId = (await cluster.ownerOf('default', cluster.live()[0]!))!;
    const via = cluster.live().find((server) => server.name !== ownerId)!;
    const count = 5;
    const before = (await cluster.worldMessages()).length;
    const scheduledAt = new Date(Date.now() + 8000).toISOString();
    const campaignId = await cluster.startCampaign(via, 'Scheduled', 300, count, scheduledAt);
    await cluster.server(ownerId).kill();
    await cluster.assertCompletedOnce(via, campaignId, 300, count, before);
    const campaign = (await via.api(cluster.cookie, 'GET', `/api/campaigns/${campaignId}`)).json as { startedAt: string };
    assert.ok(Date.parse(campaign.startedAt) >= Date.parse(scheduledAt), `started at ${campaign.startedAt}, not before ${scheduledAt}`);
  });

  test('SIGTERM of the owner (an operator removing an instance): the session moves by a clean hand-over, ready elsewhere within seconds, no scan', async () => {
    const ownerId = (await cluster.ownerOf('default', cluster.live()[0]!))!;
    const owner = cluster.server(ownerId);
    const other = cluster.live().find((server) => server !== owner)!;
    const watcher = await cluster.socket(other);
    const epochBefore = (await other.api(cluster.cookie, 'GET', '/api/session/state')).json.epoch as number;
    const from = watcher.received.length;
    const stoppedAt = performance.now();
    assert.equal(await owner.stop(), 0, 'it stopped cleanly');
    await watcher.waitFor((m) => m.type === 'session_update' && m.data.status === 'ready' && m.data.epoch > epochBefore, 10_000, from);
    const movedMs = performance.now() - stoppedAt;
    const statuses = watcher.sessionUpdates().slice(0).map((update) => update.data.status);
    assert.ok(!statuses.includes('qr') && !statuses.includes('logged_out'), statuses.join(' → '));
    const newOwner = await until('another instance owns the session', 5000, () => cluster.ownerOf('default', other));
    const metrics = await (await fetch(`${cluster.server(newOwner).baseUrl}/metrics`, { headers: { cookie: cluster.cookie } })).text();
    assert.match(metrics, /^wasla_cluster_lease_takeovers_total\{cause="handover"\} [1-9]/m);
    process.stdout.write(`# hand-over on SIGTERM: ready elsewhere after ${Math.round(movedMs)} ms\n`);
  });
});
