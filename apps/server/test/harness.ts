import './long-timers.js';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { pino } from 'pino';
import { startEmulator } from '@wasla/wa-emulator';
import type { Emulator } from '@wasla/wa-emulator';
import { loadConfig } from '../src/config/config.js';
import { buildApp } from '../src/app.js';
import type { AppDeps, WaslaApp } from '../src/app.js';
import { openStorage } from '../src/storage/db.js';
import { TestSocket } from './ws-client.js';
import { describe } from './suite.js';

export const ADMIN = { email: 'admin@wasla.test', password: 'correct horse battery' } as const;
export const PHONE = '+966501234567';

/** Which databases the integration suite runs on: SQLite always, PostgreSQL when reachable. */
export interface TestDatabase {
  name: 'sqlite' | 'postgres';
  url: string | null;
  skip: string | false;
}

const PG_URL = process.env.WASLA_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function testDatabases(): Promise<TestDatabase[]> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 10_000 });
  let skip: string | false = false;
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    if (process.env.CI) throw new Error(`PostgreSQL must be reachable in CI at ${PG_URL}: ${String(error)}`);
    skip = `PostgreSQL not reachable at ${PG_URL}; set WASLA_TEST_DATABASE_URL to run the PostgreSQL variant`;
  } finally {
    await client.end().catch(() => undefined);
  }
  return [
    { name: 'sqlite', url: null, skip: false },
    { name: 'postgres', url: PG_URL, skip },
  ];
}

/**
 * Declares the suite once per database ("security on sqlite", "security on postgres");
 * a database that isn't here skips its copy, each test reported skipped with the reason.
 */
export function describeOnEachDatabase(databases: TestDatabase[], name: string, body: (database: TestDatabase) => void): void {
  for (const database of databases) describe(`${name} on ${database.name}`, { skip: database.skip }, () => body(database));
}

/**
 * A database of its own for a server started as a separate process: on PostgreSQL a fresh
 * schema, named in the URL's search_path (the server's config has no schema setting).
 */
export async function processDatabase(database: TestDatabase): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  if (!database.url) return { env: {}, drop: () => Promise.resolve() };
  const url = database.url;
  const schema = `wasla_test_${randomBytes(5).toString('hex')}`;
  await withPgClient(url, (client) => client.query(`create schema ${schema}`));
  return { env: { DATABASE_URL: inSchema(url, schema) }, drop: () => dropSchema(url, schema) };
}

/** The URL with `schema` as its search_path, for a process that takes only a URL. */
function inSchema(url: string, schema: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

/** A call to the emulator's control API (`/control/...`); rejects on an error answer. */
export async function emulatorControl(emulator: Pick<Emulator, 'controlUrl'>, method: string, pathname: string, body?: unknown): Promise<any> {
  const response = await fetch(`${emulator.controlUrl}${pathname}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`emulator ${method} ${pathname}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

export interface StackOptions {
  database: TestDatabase;
  env?: Record<string, string>;
  emulator?: Emulator;
  /** Where the server's logs go (default: nowhere, or stderr with WASLA_TEST_LOG=level). */
  log?: { level: string; stream: { write(line: string): void } };
  /**
   * Keep this data directory / PostgreSQL schema (a restart of the same install).
   * `ownsData: false`: another stack still runs on them and removes them (a second instance).
   */
  reuse?: { dataDir: string; pgSchema: string; ownsEmulator: boolean; ownsData?: boolean };
  /** Parts of the app replaced, e.g. a Redis event bus. */
  deps?: Pick<AppDeps, 'bus' | 'attempts'>;
}

/** The real server on port 0 with a real database, wired to an emulator. */
export class Stack {
  private readonly sockets = new Set<TestSocket>();
  private closing: Promise<void> | null = null;

  private constructor(
    readonly app: WaslaApp,
    readonly baseUrl: string,
    readonly emulator: Emulator,
    readonly dataDir: string,
    readonly pgSchema: string,
    private readonly ownsEmulator: boolean,
    private readonly options: StackOptions,
  ) {}

  static async start(options: StackOptions): Promise<Stack> {
    // What this start opened, closed again (newest first) if a later step fails.
    const opened: (() => unknown)[] = [];
    const dataDir = options.reuse?.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'wasla-test-'));
    const pgSchema = options.reuse?.pgSchema ?? `wasla_test_${randomBytes(5).toString('hex')}`;
    if (!options.reuse) {
      opened.push(() => rmSync(dataDir, { recursive: true, force: true }));
      if (options.database.url) opened.push(() => dropSchema(options.database.url!, pgSchema));
    }
    try {
      const emulator = options.emulator ?? (await startEmulator({ phone: PHONE, qrRefs: 3, deliveredDelayMs: 20, readDelayMs: 20 }));
      if (!options.emulator) opened.push(() => emulator.close());
      const config = loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
        WA_SERVER_URL: emulator.url,
        WA_SERVER_CERT_KEY: Buffer.from(emulator.rootPublicKey).toString('base64'),
        WA_RETRY_BASE_MS: '200',
        WA_RETRY_CAP_MS: '2000',
        WA_MAX_RETRIES: '8',
        WASLA_ADMIN_EMAIL: ADMIN.email,
        WASLA_ADMIN_PASSWORD: ADMIN.password,
        NODE_ENV: 'test',
        ...options.env,
      });
      const logger = options.log ? pino({ level: options.log.level }, options.log.stream) : pino({ level: process.env.WASLA_TEST_LOG ?? 'silent' });
      const storage = await openStorage({ databaseUrl: options.database.url, dataDir, pgSchema, logger });
      opened.push(() => storage.close());
      const app = await buildApp(config, { ...options.deps, logger, storage, wsHeartbeatMs: 1000 });
      opened.push(() => app.close());
      const address = await app.listen();
      return new Stack(app, address, emulator, dataDir, pgSchema, options.reuse?.ownsEmulator ?? !options.emulator, options);
    } catch (error) {
      await closeAll(opened.reverse()).catch(() => undefined);
      throw error;
    }
  }

  /** The environment that points another process (the CLI, a server) at this stack's database. */
  get databaseEnv(): Record<string, string> {
    return { DATA_DIR: this.dataDir, ...(this.options.database.url ? { DATABASE_URL: inSchema(this.options.database.url, this.pgSchema) } : {}) };
  }

  /** Whether closing this stack removes its database (not when it is a second instance of another's). */
  private get ownsData(): boolean {
    return this.options.reuse?.ownsData ?? true;
  }

  get wsUrl(): string {
    return `${this.baseUrl.replace(/^http/, 'ws')}/ws`;
  }

  /**
   * Stops this server and starts a new one on the same database and emulator — on the
   * same port with `samePort`, as browsers that stay open expect.
   */
  async restart(env?: Record<string, string>, options: { samePort?: boolean } = {}): Promise<Stack> {
    await this.app.close();
    const port: Record<string, string> = options.samePort ? { PORT: new URL(this.baseUrl).port } : {};
    return Stack.start({ ...this.options, env: { ...this.options.env, ...port, ...env }, emulator: this.emulator, reuse: { dataDir: this.dataDir, pgSchema: this.pgSchema, ownsEmulator: this.ownsEmulator } });
  }

  /**
   * A second instance of the same install: another server on this stack's database and
   * emulator, which its `close` leaves to this stack.
   */
  startPeer(deps: StackOptions['deps'], env?: Record<string, string>): Promise<Stack> {
    return Stack.start({ ...this.options, env: { ...this.options.env, ...env }, emulator: this.emulator, deps, reuse: { dataDir: this.dataDir, pgSchema: this.pgSchema, ownsEmulator: false, ownsData: false } });
  }

  /** Stops the server only (the database and emulator stay), e.g. to simulate a crash. */
  async stopServer(): Promise<void> {
    await this.app.close();
  }

  async login(email: string = ADMIN.email, password: string = ADMIN.password): Promise<string> {
    const response = await fetch(`${this.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: this.baseUrl },
      body: JSON.stringify({ email, password }),
    });
    if (response.status !== 200) throw new Error(`login failed: ${response.status} ${await response.text()}`);
    const cookie = response.headers.get('set-cookie') ?? '';
    return cookie.split(';')[0] ?? '';
  }

  /** fetch against the server as the given cookie, with our own Origin (as the dashboard sends). */
  async api(cookie: string, method: string, url: string, body?: unknown): Promise<{ status: number; json: any; headers: Headers }> {
    const response = await fetch(`${this.baseUrl}${url}`, {
      method,
      headers: { cookie, origin: this.baseUrl, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : null, headers: response.headers };
  }

  async socket(cookie: string, events: string[] = ['session_update', 'qr_code', 'message_status']): Promise<TestSocket> {
    const socket = await TestSocket.open(this.wsUrl, { cookie, origin: this.baseUrl });
    this.sockets.add(socket);
    socket.send({ type: 'subscribe', events });
    await socket.waitFor((m) => m.type === 'session_update');
    return socket;
  }

  control(method: string, pathname: string, body?: unknown): Promise<any> {
    return emulatorControl(this.emulator, method, pathname, body);
  }

  /**
   * Closes the sockets it opened, the server and the emulator it started; drops the test
   * database. Every step runs even when one fails (a failed test must leave nothing
   * open that would keep the process alive); the first failure is thrown at the end.
   */
  close(): Promise<void> {
    this.closing ??= closeAll([
      // The server first, so its sockets see it go away (1001) rather than us hang up.
      () => this.app.close(),
      () => {
        for (const socket of this.sockets) socket.close();
      },
      () => (this.ownsEmulator ? this.emulator.close() : undefined),
      () => (this.options.database.url && this.ownsData ? dropSchema(this.options.database.url, this.pgSchema) : undefined),
      () => (this.ownsData ? rmSync(this.dataDir, { recursive: true, force: true }) : undefined),
    ]);
    return this.closing;
  }
}

/** Runs every step in order, even after one fails; then throws the first failure. */
async function closeAll(steps: (() => unknown)[]): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length) throw failures[0];
}

function dropSchema(url: string, schema: string): Promise<void> {
  return withPgClient(url, (client) => client.query(`drop schema if exists ${schema} cascade`));
}

async function withPgClient(url: string, use: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await use(client);
  } finally {
    await client.end();
  }
}
