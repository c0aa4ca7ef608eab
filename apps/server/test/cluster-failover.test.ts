import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startEmulator } from '@wasla/wa-emulator';
import type { Emulator } from '@wasla/wa-emulator';
import type { WsQrCode } from '@wasla/protocol';
import { FAST_LIMITS, testNumber } from './campaign-flows.js';
import { ADMIN, PHONE, processDatabase, testDatabases } from './harness.js';
import { decodeQrDataUrl } from './qr.js';
import { redisServerSkip, startRedisServer } from './redis-server.js';
import type { TestRedisServer } from './redis-server.js';
import { ServerProcess } from './server-process.js';
import { after, before, describe, test } from './suite.js';
import type { TestSocket } from './ws-client.js';
import { assertOrdered } from './flows.js';

// Three Wasla processes on one PostgreSQL schema and a Redis of the test's own, one
// emulated WhatsApp: each session is run by one process at a time; kill -9 or SIGSTOP it
// and another takes over — no scan, no duplicate, nothing lost.
const LEASE_TTL_MS = 3000;
const FAILOVER_LIMIT_MS = 30_000;

const postgres = (await testDatabases()).find((database) => database.name === 'postgres')!;

interface WorldMessage {
  id: string;
  to: string;
  text: string | null;
}

describe('three instances, one truth, failover', { skip: redisServerSkip || postgres.skip }, () => {
  let redis: TestRedisServer;
  let emulator: Emulator;
  let database: { env: Record<string, string>; drop(): Promise<void> };
  let dataDir: string;
  const servers = new Map<string, ServerProcess>();
  let cookie: string;
  const sockets: TestSocket[] = [];

  const env = (): Record<string, string> => ({
    ...database.env,
    REDIS_URL: redis.url,
    LEASE_TTL_MS: String(LEASE_TTL_MS),
    DATA_DIR: dataDir,
    WA_SERVER_URL: emulator.url,
    WA_SERVER_CERT_KEY: Buffer.from(emulator.rootPublicKey).toString('base64'),
    WA_RETRY_BASE_MS: '200',
    WA_RETRY_CAP_MS: '2000',
    WASLA_ADMIN_EMAIL: ADMIN.email,
    WASLA_ADMIN_PASSWORD: ADMIN.password,
    LOGIN_RATE_LIMIT: '1000',
  });

  async function startInstance(id: string): Promise<ServerProcess> {
    const server = await ServerProcess.start(id, { ...env(), INSTANCE_ID: id });
    servers.set(id, server);
    return server;
  }

  const live = (): ServerProcess[] => [...servers.values()].filter((server) => server.running);

  async function control(method: string, pathname: string, body?: unknown): Promise<any> {
    const response = await fetch(`${emulator.controlUrl}${pathname}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`emulator ${method} ${pathname}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  const worldMessages = async (): Promise<WorldMessage[]> => ((await control('GET', '/control/messages')) as { messages: WorldMessage[] }).messages;

  /** The instance that owns the session now, as `GET /api/cluster` on `via` says. */
  async function ownerOf(sessionId: string, via: ServerProcess): Promise<string | null> {
    const cluster = await via.api(cookie, 'GET', '/api/cluster');
    assert.equal(cluster.status, 200, JSON.stringify(cluster.json));
    const owners = (cluster.json.instances as { id: string; sessions: string[] }[]).filter((instance) => instance.sessions.includes(sessionId));
    assert.ok(owners.length <= 1, `two owners of ${sessionId}: ${JSON.stringify(owners)}`);
    return owners[0]?.id ?? null;
  }

  async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | null | undefined | false>): Promise<T> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const value = await probe().catch(() => null);
      if (value) return value;
      if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  before(async () => {
    redis = await startRedisServer();
    emulator = await startEmulator({ phone: PHONE, qrRefs: 3, deliveredDelayMs: 20, readDelayMs: 20 });
    database = await processDatabase(postgres);
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'wasla-cluster-'));
    // The first creates the schema; the others join it together.
    await startInstance('a');
    await Promise.all([startInstance('b'), startInstance('c')]);
    cookie = await servers.get('a')!.login(ADMIN.email, ADMIN.password);
  });

  after(async () => {
    for (const socket of sockets) socket.close();
    for (const server of servers.values()) {
      server.signal('SIGCONT');
      await server.kill();
    }
    await emulator?.close();
    await redis?.close();
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('a session started through one instance is run by exactly one; a browser on another links it by QR and every instance says the same', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((id) => servers.get(id)!) as [ServerProcess, ServerProcess, ServerProcess];
    const watcher = await c.socket(cookie);
    sockets.push(watcher);
    const started = await b.api(cookie, 'POST', '/api/session/start');
    assert.equal(started.status, 200, JSON.stringify(started.json));
    const qr = await watcher.waitFor<WsQrCode>((m) => m.type === 'qr_code', 20_000);
    await control('POST', '/control/scan', { qr: decodeQrDataUrl(qr.data.qr) });
    await watcher.waitForStatus('ready', 30_000);

    const owner = await ownerOf('default', a);
    assert.ok(owner, 'somebody owns the session');
    const states = await Promise.all([a, b, c].map((server) => server.api(cookie, 'GET', '/api/session/state')));
    for (const state of states) assert.equal(state.json.status, 'ready', JSON.stringify(state.json));
    assert.equal(new Set(states.map((state) => `${state.json.epoch}/${state.json.rev}`)).size, 1, 'every instance says the same state');

    // A message sent through an instance that does not run the session goes out once, from its owner.
    const other = [a, b, c].find((server) => server.name !== owner)!;
    const sent = await other.api(cookie, 'POST', '/api/messages', { to: testNumber(900), text: 'through another instance' });
    assert.equal(sent.status, 202, JSON.stringify(sent.json));
    await until('the world received it', 10_000, async () => (await worldMessages()).some((message) => message.id === sent.json.id));
    assertOrdered(watcher);
  });

  test('kill -9 of the owner mid-campaign: ready again elsewhere within 30 s without a scan, zero duplicates, every recipient accounted for, and what contacts sent meanwhile arrives', async () => {
    const ownerId = (await ownerOf('default', live()[0]!))!;
    const owner = servers.get(ownerId)!;
    const survivors = live().filter((server) => server !== owner);
    const watcher = await survivors[0]!.socket(cookie);
    sockets.push(watcher);

    const count = 40;
    const via = survivors[1]!;
    const created = await via.api(cookie, 'POST', '/api/campaigns', { name: 'Failover', template: 'Hello {{name}}', limits: { ...FAST_LIMITS, minGapMs: 100, maxGapMs: 150 } });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const csv = ['phone,name', ...Array.from({ length: count }, (_, i) => `${testNumber(i)},Person ${i}`)].join('\n');
    const imported = await fetch(`${via.baseUrl}/api/campaigns/${created.json.id}/recipients`, { method: 'POST', headers: { cookie, origin: via.baseUrl, 'content-type': 'text/csv' }, body: csv });
    assert.equal(imported.status, 200, await imported.text());
    const before = (await worldMessages()).length;
    const started = await via.api(cookie, 'POST', `/api/campaigns/${created.json.id}/start`);
    assert.equal(started.status, 200, JSON.stringify(started.json));
    await until('a quarter was sent', 20_000, async () => (await worldMessages()).length - before >= count / 4);

    const from = watcher.received.length;
    const epochBefore = (await survivors[0]!.api(cookie, 'GET', '/api/session/state')).json.epoch as number;
    const killedAt = performance.now();
    await owner.kill();
    // A contact writes while nobody runs the session: WhatsApp keeps it for the linked device.
    const inbound = await control('POST', '/control/inbound', { from: testNumber(950), text: 'written during the failover' });
    await watcher.waitFor((m) => m.type === 'session_update' && m.data.status === 'ready' && m.data.epoch > epochBefore, FAILOVER_LIMIT_MS, from);
    const failoverMs = performance.now() - killedAt;
    assert.ok(failoverMs <= FAILOVER_LIMIT_MS, `ready again after ${Math.round(failoverMs)} ms`);
    const newOwner = await until('another instance owns the session', 5000, () => ownerOf('default', survivors[0]!));
    assert.notEqual(newOwner, ownerId);

    const done = await until('the campaign completed', 60_000, async () => {
      const campaign = await via.api(cookie, 'GET', `/api/campaigns/${created.json.id}`);
      return campaign.json.status === 'completed' ? campaign.json : null;
    });
    const received = (await worldMessages()).slice(before);
    const perRecipient = new Map<string, number>();
    for (const message of received) perRecipient.set(message.to, (perRecipient.get(message.to) ?? 0) + 1);
    const duplicates = [...perRecipient].filter(([, times]) => times > 1);
    assert.deepEqual(duplicates, [], 'no recipient got the campaign twice');
    const { counts } = done as { counts: Record<string, number> };
    // `sent` counts every recipient WhatsApp took the message for (delivered and read among them).
    assert.equal(counts.pending, 0);
    assert.equal((counts.sent ?? 0) + (counts.unknown ?? 0) + (counts.failed ?? 0) + (counts.skipped ?? 0), count, `every recipient is accounted for: ${JSON.stringify(counts)}`);
    assert.ok((counts.unknown ?? 0) <= 1, `at most the message in flight is unknown: ${JSON.stringify(counts)}`);
    // Each recipient whose fate is known received it; one whose fate is unknown may have.
    assert.ok(perRecipient.size >= count - (counts.unknown ?? 0) && perRecipient.size <= count, `${perRecipient.size} recipients received it`);

    const messages = await until('the message written during the failover arrived', 20_000, async () => {
      const page = await survivors[0]!.api(cookie, 'GET', '/api/messages?limit=100');
      return (page.json.items as { id: string }[]).some((message) => message.id === inbound.id) ? page.json.items : null;
    });
    assert.ok(messages);
    assertOrdered(watcher);
    process.stdout.write(`# failover after kill -9: ${Math.round(failoverMs)} ms\n`);
  });

  test('SIGSTOP of the owner until its lease is taken, then SIGCONT: it sends nothing more, steps down, and the campaign finishes once', async () => {
    const ownerId = (await ownerOf('default', live()[0]!))!;
    const owner = servers.get(ownerId)!;
    const other = live().find((server) => server !== owner)!;
    const watcher = await other.socket(cookie);
    sockets.push(watcher);

    const count = 30;
    const created = await other.api(cookie, 'POST', '/api/campaigns', { name: 'Paused owner', template: 'Hi {{name}}', limits: { ...FAST_LIMITS, minGapMs: 100, maxGapMs: 150 } });
    const csv = ['phone,name', ...Array.from({ length: count }, (_, i) => `${testNumber(100 + i)},P${i}`)].join('\n');
    const imported = await fetch(`${other.baseUrl}/api/campaigns/${created.json.id}/recipients`, { method: 'POST', headers: { cookie, origin: other.baseUrl, 'content-type': 'text/csv' }, body: csv });
    assert.equal(imported.status, 200);
    const before = (await worldMessages()).length;
    assert.equal((await other.api(cookie, 'POST', `/api/campaigns/${created.json.id}/start`)).status, 200);
    await until('some were sent', 20_000, async () => (await worldMessages()).length - before >= 5);

    const from = watcher.received.length;
    const epochBefore = (await other.api(cookie, 'GET', '/api/session/state')).json.epoch as number;
    owner.signal('SIGSTOP');
    await watcher.waitFor((m) => m.type === 'session_update' && m.data.status === 'ready' && m.data.epoch > epochBefore, FAILOVER_LIMIT_MS, from);
    const takenBy = await until('another instance owns the session', 5000, async () => {
      const id = await ownerOf('default', other);
      return id && id !== ownerId ? id : null;
    });
    assert.notEqual(takenBy, ownerId);
    owner.signal('SIGCONT');
    // It answers again, and its lease is gone: it stopped running the session at once
    // (placement may hand the session back to it later, with a new token, by a clean hand-over).
    await until('the paused instance answers again', 10_000, async () => (await fetch(`${owner.baseUrl}/healthz`)).ok);
    await until('the paused instance says it lost the lease', 10_000, async () => owner.logs.some((line) => line.includes("lost the session's lease")));
    await until('the campaign completed', 60_000, async () => (await other.api(cookie, 'GET', `/api/campaigns/${created.json.id}`)).json.status === 'completed');

    const received = (await worldMessages()).slice(before);
    const perRecipient = new Map<string, number>();
    for (const message of received) perRecipient.set(message.to, (perRecipient.get(message.to) ?? 0) + 1);
    assert.deepEqual([...perRecipient].filter(([, times]) => times > 1), [], 'no recipient got it twice');
    assertOrdered(watcher);
  });
});
