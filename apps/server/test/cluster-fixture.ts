// Wasla as a cluster of real processes (`server-process.ts`) on one PostgreSQL schema, a
// Redis of the test's own and one emulated WhatsApp, for the cluster's suites.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startEmulator } from '@wasla/wa-emulator';
import type { Emulator } from '@wasla/wa-emulator';
import type { WsQrCode } from '@wasla/protocol';
import { FAST_LIMITS, testNumber } from './campaign-flows.js';
import { ADMIN, PHONE, emulatorControl, processDatabase } from './harness.js';
import type { TestDatabase } from './harness.js';
import { decodeQrDataUrl } from './qr.js';
import { startRedisServer } from './redis-server.js';
import type { TestRedisServer } from './redis-server.js';
import { ServerProcess } from './server-process.js';
import type { TestSocket } from './ws-client.js';

export interface WorldMessage {
  id: string;
  to: string;
  text: string | null;
}

export interface ClusterFixtureOptions {
  database: TestDatabase;
  leaseTtlMs: number;
  /** More settings for every instance. */
  env?: Record<string, string>;
  /** Where the instances reach PostgreSQL instead of the test database's own address (a proxy the test controls). */
  databaseUrl?: (url: string) => string;
}

/** Waits for `probe` to answer something truthy, asking every 100 ms (a failing probe counts as not yet). */
export async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | null | undefined | false>): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export class ClusterFixture {
  readonly servers = new Map<string, ServerProcess>();
  readonly sockets: TestSocket[] = [];
  cookie = '';

  private constructor(
    readonly redis: TestRedisServer,
    readonly emulator: Emulator,
    private readonly database: { env: Record<string, string>; drop(): Promise<void> },
    private readonly dataDir: string,
    private readonly options: ClusterFixtureOptions,
  ) {}

  /** Starts Redis, the emulator and the instances named (the first alone: it makes the schema). */
  static async start(options: ClusterFixtureOptions, names: readonly string[]): Promise<ClusterFixture> {
    const redis = await startRedisServer();
    const emulator = await startEmulator({ phone: PHONE, qrRefs: 3, deliveredDelayMs: 20, readDelayMs: 20 });
    const database = await processDatabase(options.database);
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'wasla-cluster-'));
    const cluster = new ClusterFixture(redis, emulator, database, dataDir, options);
    try {
      const [first, ...others] = names;
      if (first) await cluster.startInstance(first);
      await Promise.all(others.map((name) => cluster.startInstance(name)));
      cluster.cookie = await cluster.server(first ?? '').login(ADMIN.email, ADMIN.password);
      return cluster;
    } catch (error) {
      await cluster.close();
      throw error;
    }
  }

  env(): Record<string, string> {
    const databaseUrl = this.database.env.DATABASE_URL ?? '';
    return {
      DATABASE_URL: this.options.databaseUrl ? this.options.databaseUrl(databaseUrl) : databaseUrl,
      REDIS_URL: this.redis.url,
      LEASE_TTL_MS: String(this.options.leaseTtlMs),
      DATA_DIR: this.dataDir,
      WA_SERVER_URL: this.emulator.url,
      WA_SERVER_CERT_KEY: Buffer.from(this.emulator.rootPublicKey).toString('base64'),
      WA_RETRY_BASE_MS: '200',
      WA_RETRY_CAP_MS: '2000',
      WASLA_ADMIN_EMAIL: ADMIN.email,
      WASLA_ADMIN_PASSWORD: ADMIN.password,
      LOGIN_RATE_LIMIT: '1000',
      ...this.options.env,
    };
  }

  async startInstance(name: string): Promise<ServerProcess> {
    const server = await ServerProcess.start(name, { ...this.env(), INSTANCE_ID: name });
    this.servers.set(name, server);
    return server;
  }

  server(name: string): ServerProcess {
    const server = this.servers.get(name);
    if (!server) throw new Error(`no instance ${name}`);
    return server;
  }

  live(): ServerProcess[] {
    return [...this.servers.values()].filter((server) => server.running);
  }

  async socket(server: ServerProcess): Promise<TestSocket> {
    const socket = await server.socket(this.cookie);
    this.sockets.push(socket);
    return socket;
  }

  control(method: string, pathname: string, body?: unknown): Promise<any> {
    return emulatorControl(this.emulator, method, pathname, body);
  }

  async worldMessages(): Promise<WorldMessage[]> {
    return ((await this.control('GET', '/control/messages')) as { messages: WorldMessage[] }).messages;
  }

  /** The instance that owns the session now, as `GET /api/cluster` on `via` says; never two. */
  async ownerOf(sessionId: string, via: ServerProcess): Promise<string | null> {
    const cluster = await via.api(this.cookie, 'GET', '/api/cluster');
    assert.equal(cluster.status, 200, JSON.stringify(cluster.json));
    const owners = (cluster.json.instances as { id: string; sessions: string[] }[]).filter((instance) => instance.sessions.includes(sessionId));
    assert.ok(owners.length <= 1, `two owners of ${sessionId}: ${JSON.stringify(owners)}`);
    return owners[0]?.id ?? null;
  }

  /** Starts the default session through `via` and links it by QR, watched from `watcher`. */
  async link(via: ServerProcess, watcher: TestSocket): Promise<void> {
    const started = await via.api(this.cookie, 'POST', '/api/session/start');
    assert.equal(started.status, 200, JSON.stringify(started.json));
    const qr = await watcher.waitFor<WsQrCode>((m) => m.type === 'qr_code', 20_000);
    await this.control('POST', '/control/scan', { qr: decodeQrDataUrl(qr.data.qr) });
    await watcher.waitForStatus('ready', 30_000);
  }

  /** A campaign of `count` recipients (numbers from `first` on), paced so it takes a few seconds; started (or scheduled for `scheduledAt`). */
  async startCampaign(via: ServerProcess, name: string, first: number, count: number, scheduledAt?: string): Promise<string> {
    const created = await via.api(this.cookie, 'POST', '/api/campaigns', {
      name,
      template: 'Hello {{name}}',
      limits: { ...FAST_LIMITS, minGapMs: 100, maxGapMs: 150 },
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const csv = ['phone,name', ...Array.from({ length: count }, (_, i) => `${testNumber(first + i)},Person ${i}`)].join('\n');
    const imported = await fetch(`${via.baseUrl}/api/campaigns/${created.json.id}/recipients`, {
      method: 'POST',
      headers: { cookie: this.cookie, origin: via.baseUrl, 'content-type': 'text/csv' },
      body: csv,
    });
    assert.equal(imported.status, 200, await imported.text());
    if (scheduledAt) assert.equal((await via.api(this.cookie, 'PATCH', `/api/campaigns/${created.json.id}`, { scheduledAt })).status, 200);
    const started = await via.api(this.cookie, 'POST', `/api/campaigns/${created.json.id}/start`);
    assert.equal(started.status, 200, JSON.stringify(started.json));
    assert.equal(started.json.status, scheduledAt ? 'scheduled' : 'running');
    return created.json.id as string;
  }

  /**
   * Waits until the campaign (of `startCampaign`'s recipients `first`…) completed; asserts
   * none of them received it twice and every recipient is accounted for. Only its own
   * recipients' messages are counted: a message of an earlier test still in flight may
   * reach the world meanwhile.
   */
  async assertCompletedOnce(via: ServerProcess, campaignId: string, first: number, count: number, worldBefore: number): Promise<Record<string, number>> {
    const campaign = await until('the campaign completed', 90_000, async () => {
      const read = await via.api(this.cookie, 'GET', `/api/campaigns/${campaignId}`);
      return read.json.status === 'completed' ? read.json : null;
    });
    const recipients = new Set(Array.from({ length: count }, (_, i) => testNumber(first + i)));
    const perRecipient = new Map<string, number>();
    for (const message of (await this.worldMessages()).slice(worldBefore)) {
      if (recipients.has(message.to)) perRecipient.set(message.to, (perRecipient.get(message.to) ?? 0) + 1);
    }
    assert.deepEqual([...perRecipient].filter(([, times]) => times > 1), [], 'no recipient received the campaign twice');
    const counts = campaign.counts as Record<string, number>;
    assert.equal(counts.pending, 0);
    // `sent` counts every recipient WhatsApp took the message for (delivered and read among them).
    assert.equal((counts.sent ?? 0) + (counts.unknown ?? 0) + (counts.failed ?? 0) + (counts.skipped ?? 0), count, `every recipient is accounted for: ${JSON.stringify(counts)}`);
    // Each recipient whose fate is known received it; one whose fate is unknown may have.
    assert.ok(perRecipient.size >= count - (counts.unknown ?? 0) && perRecipient.size <= count, `${perRecipient.size} recipients received it`);
    return counts;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.close();
    for (const server of this.servers.values()) {
      server.signal('SIGCONT');
      await server.kill();
    }
    await this.emulator.close();
    await this.redis.close();
    await this.database.drop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
