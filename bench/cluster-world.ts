// A Wasla cluster for the cluster benchmarks, built the way the failover test builds one:
// separate `main.ts` processes (so one can be killed -9) on a PostgreSQL schema of their
// own, a redis-server of their own, and one emulated WhatsApp whose phone is linked once.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulator } from '@wasla/wa-emulator';
import type { Emulator } from '@wasla/wa-emulator';
import type { SessionState, WsQrCode } from '@wasla/protocol';
import { preferredOwner } from '../apps/server/src/cluster/placement.js';
import { ADMIN, PHONE, processDatabase, testDatabases } from '../apps/server/test/harness.js';
import { decodeQrDataUrl } from '../apps/server/test/qr.js';
import { redisServerSkip, startRedisServer } from '../apps/server/test/redis-server.js';
import type { TestRedisServer } from '../apps/server/test/redis-server.js';
import { ServerProcess } from '../apps/server/test/server-process.js';
import { until } from '../apps/server/test/cluster-fixture.js';

export { until };

export const SESSION = 'default';

export interface ClusterWorldOptions {
  instances: number;
  leaseTtlMs: number;
  /** More environment for every instance (e.g. the WebSocket caps). */
  env?: Record<string, string>;
}

interface ClusterView {
  instances: { id: string; leaving: boolean; sessions: string[] }[];
}

export class ClusterWorld {
  readonly servers = new Map<string, ServerProcess>();
  cookie = '';
  private started = 0;

  private constructor(
    private readonly options: ClusterWorldOptions,
    readonly redis: TestRedisServer,
    readonly emulator: Emulator,
    private readonly database: { env: Record<string, string>; drop(): Promise<void> },
    private readonly dataDir: string,
  ) {}

  /** Starts the instances (the first alone: it creates the schema) and logs the admin in. */
  static async start(options: ClusterWorldOptions): Promise<ClusterWorld> {
    if (redisServerSkip) throw new Error(`The cluster benchmarks can't run: ${redisServerSkip}`);
    const postgres = (await testDatabases()).find((database) => database.name === 'postgres')!;
    if (postgres.skip) throw new Error(`The cluster benchmarks can't run: ${postgres.skip}`);
    const redis = await startRedisServer();
    const emulator = await startEmulator({ phone: PHONE, qrRefs: 3 }).catch(async (error: unknown) => {
      await redis.close();
      throw error;
    });
    const database = await processDatabase(postgres);
    const world = new ClusterWorld(options, redis, emulator, database, mkdtempSync(path.join(os.tmpdir(), 'wasla-bench-cluster-')));
    try {
      const first = await world.startInstance();
      await Promise.all(Array.from({ length: options.instances - 1 }, () => world.startInstance()));
      world.cookie = await first.login(ADMIN.email, ADMIN.password);
      return world;
    } catch (error) {
      await world.close();
      throw error;
    }
  }

  /** One more instance with a name not used before in this world. */
  async startInstance(): Promise<ServerProcess> {
    this.started += 1;
    const id = `i${this.started}`;
    const server = await ServerProcess.start(id, {
      ...this.database.env,
      REDIS_URL: this.redis.url,
      LEASE_TTL_MS: String(this.options.leaseTtlMs),
      INSTANCE_ID: id,
      DATA_DIR: this.dataDir,
      WA_SERVER_URL: this.emulator.url,
      WA_SERVER_CERT_KEY: Buffer.from(this.emulator.rootPublicKey).toString('base64'),
      WASLA_ADMIN_EMAIL: ADMIN.email,
      WASLA_ADMIN_PASSWORD: ADMIN.password,
      ...this.options.env,
    });
    this.servers.set(id, server);
    return server;
  }

  live(): ServerProcess[] {
    return [...this.servers.values()].filter((server) => server.running);
  }

  async cluster(via: ServerProcess = this.live()[0]!): Promise<ClusterView> {
    const answer = await via.api(this.cookie, 'GET', '/api/cluster');
    if (answer.status !== 200) throw new Error(`GET /api/cluster on ${via.name}: ${answer.status} ${JSON.stringify(answer.json)}`);
    return answer.json as ClusterView;
  }

  async state(via: ServerProcess): Promise<SessionState> {
    return (await via.api(this.cookie, 'GET', '/api/session/state')).json as SessionState;
  }

  /** Starts the session through one instance and links the phone by the QR another instance's subscriber sees. */
  async link(): Promise<void> {
    const [starter, viewer] = [this.live()[0]!, this.live().at(-1)!];
    const watcher = await viewer.socket(this.cookie, ['session_update', 'qr_code']);
    try {
      const started = await starter.api(this.cookie, 'POST', '/api/session/start');
      if (started.status !== 200) throw new Error(`POST /api/session/start: ${started.status} ${JSON.stringify(started.json)}`);
      const qr = await watcher.waitFor<WsQrCode>((m) => m.type === 'qr_code', 30_000);
      const scanned = await fetch(`${this.emulator.controlUrl}/control/scan`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ qr: decodeQrDataUrl(qr.data.qr) }),
      });
      if (!scanned.ok) throw new Error(`the emulator refused the scan: ${scanned.status} ${await scanned.text()}`);
      await watcher.waitForStatus('ready', 60_000);
    } finally {
      watcher.close();
    }
  }

  /** Sessions the instance runs itself, by status, as its /metrics says. */
  async runsHere(server: ServerProcess, status: string): Promise<number> {
    const text = await (await fetch(`${server.baseUrl}/metrics`, { headers: { cookie: this.cookie } })).text();
    return Number(new RegExp(`^wasla_sessions\\{status="${status}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  }

  /**
   * Until the cluster is at rest: every running instance is listed, none leaving, the
   * session's lease is held by the instance placement prefers (so no hand-over is coming),
   * and that instance runs it, ready — not merely knows it ready: a lease handed over
   * reaches /api/cluster before the new owner has connected, while its state still shows
   * the last owner's. Returns that owner.
   */
  async settled(timeoutMs: number): Promise<ServerProcess> {
    return until('the cluster settled', timeoutMs, async () => {
      const running = this.live();
      const view = await this.cluster(running[0]);
      const ids = view.instances.map((instance) => instance.id);
      if (ids.length !== running.length || view.instances.some((instance) => instance.leaving)) return null;
      if (!running.every((server) => ids.includes(server.name))) return null;
      const owners = view.instances.filter((instance) => instance.sessions.includes(SESSION));
      if (owners.length !== 1 || owners[0]!.id !== preferredOwner(SESSION, ids)) return null;
      const owner = this.servers.get(owners[0]!.id)!;
      return (await this.runsHere(owner, 'ready')) === 1 ? owner : null;
    });
  }

  async close(): Promise<void> {
    for (const server of this.servers.values()) await server.kill();
    await this.emulator.close();
    await this.redis.close();
    await this.database.drop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
