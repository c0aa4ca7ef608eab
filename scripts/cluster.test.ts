import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort } from '../apps/server/test/free-port.js';
import { NGINX_BINARY, nginxSkip } from '../apps/server/test/nginx.js';
import { redisServerSkip, startRedisServer } from '../apps/server/test/redis-server.js';
import type { TestRedisServer } from '../apps/server/test/redis-server.js';
import { CLUSTER_USAGE, clusterSettings } from './cluster-settings.js';
import { UsageError } from './demo-settings.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const SCRIPT = ['--conditions=source', '--import', 'tsx', 'scripts/cluster.ts'];
const PG_URL = process.env.WASLA_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** The variables the cluster reads, unset so the machine's own don't leak into a test. */
const UNSET = { PORT: '', EMULATOR_PORT: '', DATABASE_URL: '', REDIS_URL: '', LEASE_TTL_MS: '', NGINX: '', DEMO_PHONE: '' };

/** `npm run cluster -- <args>`, as npm runs it, to its end. */
function cluster(args: string[]) {
  return spawnSync(process.execPath, [...SCRIPT, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...UNSET } });
}

async function postgresSkip(): Promise<string | false> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    return false;
  } catch (error) {
    if (process.env.CI) throw error;
    return `PostgreSQL not reachable at ${PG_URL} (${error instanceof Error ? error.message : String(error)}); set WASLA_TEST_DATABASE_URL`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function schemaExists(schema: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return (await client.query('select 1 from pg_namespace where nspname = $1', [schema])).rowCount === 1;
  } finally {
    await client.end();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// Before any test runs: those that spawn synchronously would hold up its connection.
const skip = nginxSkip || redisServerSkip || (await postgresSkip());

test('npm run cluster -- --help explains the options and starts nothing', () => {
  const run = cluster(['--help']);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, CLUSTER_USAGE);
  for (const option of ['--port', '--emulator-port', '--database-url', '--redis-url', '--lease-ttl-ms', '--nginx', 'demo:link', 'wasla:events']) assert.ok(run.stdout.includes(option), option);
});

test('an unknown or malformed option is refused with the usage, before anything starts', () => {
  const run = cluster(['--instances', '4']);
  assert.equal(run.status, 2);
  assert.ok(run.stderr.includes('Usage: npm run cluster'));
  assert.doesNotMatch(run.stdout, /is running/);
  for (const args of [['--port', 'eighty'], ['--lease-ttl-ms', '60000'], ['--redis-url', 'http://127.0.0.1:6379'], ['extra']]) {
    assert.throws(() => clusterSettings(args, {}), UsageError, args.join(' '));
  }
});

test('flags win over the environment, which wins over the defaults', () => {
  const defaults = clusterSettings([], {});
  assert.ok(defaults !== 'help');
  assert.deepEqual(
    { port: defaults.port, emulatorPort: defaults.emulatorPort, databaseUrl: defaults.databaseUrl, redisUrl: defaults.redisUrl, leaseTtlMs: defaults.leaseTtlMs, nginx: defaults.nginx },
    { port: 3000, emulatorPort: 4040, databaseUrl: 'postgres://postgres@127.0.0.1:5432/test', redisUrl: 'redis://127.0.0.1:6379', leaseTtlMs: 15_000, nginx: '/usr/sbin/nginx' },
  );
  const chosen = clusterSettings(['--port', '3100', '--redis-url', 'redis://127.0.0.1:6380'], { PORT: '3200', EMULATOR_PORT: '4200', REDIS_URL: 'redis://127.0.0.1:6381', LEASE_TTL_MS: '5000' });
  assert.ok(chosen !== 'help');
  assert.deepEqual([chosen.port, chosen.emulatorPort, chosen.redisUrl, chosen.leaseTtlMs], [3100, 4200, 'redis://127.0.0.1:6380', 5000]);
  assert.throws(() => clusterSettings(['--lease-ttl-ms', '999'], {}), UsageError);
  assert.throws(() => clusterSettings(['--database-url', 'mysql://x'], {}), UsageError);
});

test('without nginx, PostgreSQL or Redis it names each, with what to install or set, and exits non-zero', async () => {
  const [database, redis] = [await freePort(), await freePort()];
  const run = cluster(['--nginx', '/nonexistent/nginx', '--database-url', `postgres://postgres@127.0.0.1:${database}/test`, '--redis-url', `redis://127.0.0.1:${redis}`]);
  assert.equal(run.status, 1, run.stderr);
  for (const advice of ['nginx: not found at /nonexistent/nginx', 'apt-get install -y nginx', 'PostgreSQL: could not connect', 'DATABASE_URL', 'Redis: could not connect', 'apt-get install -y redis-server', 'REDIS_URL']) {
    assert.ok(run.stderr.includes(advice), `${advice} in:\n${run.stderr}`);
  }
  assert.doesNotMatch(run.stdout, /is running/);
});

describe('npm run cluster on this machine', { skip }, () => {
  let redis: TestRedisServer | undefined;
  let launcher: ChildProcess | undefined;
  const pids: number[] = [];

  after(async () => {
    // A test that failed halfway: stopped as an operator would, and by force if that hangs.
    if (launcher && launcher.exitCode === null && launcher.signalCode === null) {
      const gone = new Promise((resolve) => launcher!.once('exit', resolve));
      launcher.kill('SIGINT');
      const timer = setTimeout(() => launcher!.kill('SIGKILL'), 30_000);
      await gone;
      clearTimeout(timer);
    }
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    await redis?.close();
  });

  test('starts three instances behind nginx, answers through it, and Ctrl+C stops everything and drops its schema', { timeout: 120_000 }, async () => {
    assert.ok(existsSync(NGINX_BINARY));
    redis = await startRedisServer();
    const [port, emulatorPort] = [await freePort(), await freePort()];
    const child = spawn(process.execPath, [...SCRIPT, '--port', String(port), '--emulator-port', String(emulatorPort), '--redis-url', redis.url, '--nginx', NGINX_BINARY, '--database-url', PG_URL], {
      cwd: root,
      env: { ...process.env, ...UNSET },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    launcher = child;
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await Promise.race([
      new Promise<void>((resolve) => child.stdout?.on('data', () => output.includes('Ctrl+C stops everything') && resolve())),
      exited.then((code) => assert.fail(`the cluster exited (${code}) before it ran:\n${output}`)),
    ]);

    const lb = `http://127.0.0.1:${port}`;
    assert.ok(output.includes(`Load balancer  ${lb}`), output);
    assert.ok(output.includes(`npm run demo:link -- --port ${port} --emulator-port ${emulatorPort}`), output);
    const schema = /schema (wasla_cluster_[0-9a-f]+)/.exec(output)?.[1];
    const logDir = /Logs +(\S+)\/<instance>\.log/.exec(output)?.[1];
    pids.push(...[...output.matchAll(/pid (\d+)/g)].map((match) => Number(match[1])));
    assert.ok(schema && logDir, output);
    assert.equal(pids.length, 4, `nginx and three instances: ${output}`);
    assert.ok(await schemaExists(schema));

    assert.deepEqual(await (await fetch(`${lb}/readyz`)).json(), { status: 'ready' });
    const login = await fetch(`${lb}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: lb }, body: JSON.stringify({ email: 'demo@wasla.local', password: 'wasla-demo-password' }) });
    assert.equal(login.status, 200);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const view = (await (await fetch(`${lb}/api/cluster`, { headers: { cookie } })).json()) as { mode: string; instances: { pid: number }[] };
    assert.equal(view.mode, 'cluster');
    assert.deepEqual(view.instances.map((instance) => instance.pid).sort(), pids.slice(1).sort(), 'the instances it printed are the cluster');

    // A second cluster on the same Redis would hear this one's events: it refuses.
    const second = cluster(['--port', String(await freePort()), '--emulator-port', String(await freePort()), '--redis-url', redis.url, '--nginx', NGINX_BINARY, '--database-url', PG_URL]);
    assert.equal(second.status, 1, second.stdout);
    assert.match(second.stderr, /already listen on wasla:events/);

    child.kill('SIGINT');
    assert.equal(await exited, 0, output);
    assert.match(output, /Stopped\.\n$/);
    for (const pid of pids) assert.equal(alive(pid), false, `pid ${pid} is gone`);
    assert.equal(await schemaExists(schema), false, 'the schema is dropped');
    assert.equal(existsSync(logDir), false, 'the logs are removed');
    await assert.rejects(fetch(`${lb}/healthz`), 'nothing listens on the load balancer any more');
  });
});
