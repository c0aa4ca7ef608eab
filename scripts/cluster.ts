// `npm run cluster`: Wasla as a cluster on one machine — the WhatsApp emulator, three
// instances (processes of apps/server/src/main.ts) sharing PostgreSQL and Redis, and nginx
// in front of them with deploy/nginx.conf.template. Kill -9 the instance that runs the
// session and watch another take it over. Ctrl+C stops everything and drops the schema.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { startEmulator } from '@wasla/wa-emulator';
import type { Emulator } from '@wasla/wa-emulator';
import { redactedUrl } from '../apps/server/src/storage/redis-client.js';
import { quietLibsignal } from '../apps/server/src/whatsapp/quiet-libsignal.js';
import { startNginx } from '../deploy/nginx.js';
import type { RunningNginx } from '../deploy/nginx.js';
import { InstanceProcess } from './cluster-instance.js';
import { clusterSettingsOrExit } from './cluster-settings.js';
import type { ClusterSettings } from './cluster-settings.js';

// Before anything starts: --help (or a mistake) only prints the options.
const CLUSTER = clusterSettingsOrExit();
const INSTANCES = 3;
/** Where every Wasla instance publishes its events (apps/server/src/events/redis.ts); the name is fixed. */
const EVENTS_CHANNEL = 'wasla:events';

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** What is missing, each with what to install or set; empty when everything is there. */
async function missingParts(settings: ClusterSettings): Promise<string[]> {
  const problems: string[] = [];
  if (!existsSync(settings.nginx)) {
    problems.push(`nginx: not found at ${settings.nginx}. Install Debian's nginx (sudo apt-get install -y nginx; only its binary is used, with a configuration of the cluster's own), or give its path with --nginx (NGINX).`);
  }
  const database = new pg.Client({ connectionString: settings.databaseUrl, connectionTimeoutMillis: 5000 });
  try {
    await database.connect();
    await database.query('select 1');
  } catch (error) {
    problems.push(`PostgreSQL: could not connect to ${redactedUrl(settings.databaseUrl)} (${reason(error)}). Install and start it (sudo apt-get install -y postgresql), or set DATABASE_URL (--database-url) to a PostgreSQL where this user may create a schema.`);
  } finally {
    await database.end().catch(() => undefined);
  }
  const redis = new Redis(settings.redisUrl, { lazyConnect: true, connectTimeout: 5000, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  // connect() rejects only with "Connection is closed."; the cause comes as an error event.
  let cause: unknown;
  redis.on('error', (error) => (cause ??= error));
  try {
    await redis.connect();
    const [, listeners] = (await redis.call('PUBSUB', 'NUMSUB', EVENTS_CHANNEL)) as [string, number];
    if (listeners > 0) {
      problems.push(`Redis: ${listeners} connection(s) already listen on ${EVENTS_CHANNEL} at ${redactedUrl(settings.redisUrl)}: another Wasla uses this Redis. Wasla's channel names are fixed, so the two would hear each other. Stop it, or point REDIS_URL (--redis-url) at a Redis of the cluster's own, e.g. redis-server --port 6380 --save '' and --redis-url redis://127.0.0.1:6380.`);
    }
  } catch (error) {
    problems.push(`Redis: could not connect to ${redactedUrl(settings.redisUrl)} (${reason(cause ?? error)}). Install and start it (sudo apt-get install -y redis-server), or set REDIS_URL (--redis-url).`);
  } finally {
    redis.disconnect();
  }
  return problems;
}

function reason(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length) return reason(error.errors[0]);
  return error instanceof Error ? error.message || error.name : String(error);
}

async function withDatabase(url: string, use: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await use(client);
  } finally {
    await client.end();
  }
}

/** The URL with `schema` as its search_path: the server's configuration has no schema setting. */
function inSchema(url: string, schema: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

const problems = await missingParts(CLUSTER);
if (problems.length) {
  process.stderr.write(`npm run cluster can't start:\n${problems.map((problem) => `  - ${problem}`).join('\n')}\n`);
  process.exit(1);
}

const tag = randomBytes(4).toString('hex');
const schema = `wasla_cluster_${tag}`;
const logDir = mkdtempSync(path.join(os.tmpdir(), 'wasla-cluster-'));
let schemaMade = false;
let emulator: Emulator | undefined;
let nginx: RunningNginx | undefined;
const instances: InstanceProcess[] = [];
/** Ctrl+C while starting: honoured between steps, then everything started so far stops. */
let interrupted = false;
let stopping = false;

/**
 * Stops what was started, in order: the instances together (SIGTERM: each hands its
 * sessions over and leaves), then nginx, the emulator, the schema and the logs.
 */
async function stopEverything(): Promise<boolean> {
  stopping = true;
  let clean = true;
  const step = async (what: string, stop: () => unknown) => {
    try {
      await stop();
    } catch (error) {
      clean = false;
      process.stderr.write(`Could not stop ${what}: ${reason(error)}\n`);
    }
  };
  await step('the instances', () => Promise.all(instances.map((instance) => instance.stop())));
  await step('nginx', () => nginx?.close());
  await step('the emulator', () => emulator?.close());
  await step(`the schema ${schema}`, () => (schemaMade ? withDatabase(CLUSTER.databaseUrl, (client) => client.query(`drop schema if exists ${schema} cascade`)) : undefined));
  await step(`the logs (${logDir})`, () => rmSync(logDir, { recursive: true, force: true }));
  return clean;
}

function finish(clean: boolean): never {
  process.exit(clean ? 0 : 1);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (!nginx) {
      interrupted = true;
      return;
    }
    if (stopping) return;
    say('\nStopping: the instances hand their sessions over, then nginx and the emulator stop and the schema is dropped.');
    void stopEverything().then((clean) => {
      say(clean ? 'Stopped.' : 'Stopped, with the problems above.');
      finish(clean);
    });
  });
}

class Interrupted extends Error {}
const unlessInterrupted = () => {
  if (interrupted) throw new Interrupted('interrupted');
};

try {
  await withDatabase(CLUSTER.databaseUrl, (client) => client.query(`create schema ${schema}`));
  schemaMade = true;
  unlessInterrupted();
  // The emulated phone's libsignal prints its session records, private keys included, to
  // this terminal: dropped, as the server drops its own.
  quietLibsignal();
  emulator = await startEmulator({ port: CLUSTER.emulatorPort, phone: CLUSTER.phone });
  unlessInterrupted();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    // The logs go to files. Never quieter than info: the launcher waits for the line each
    // instance logs once it listens and has joined the cluster.
    LOG_LEVEL: process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace' ? process.env.LOG_LEVEL : 'info',
    // Unused on PostgreSQL; set so nothing lands in ./data.
    DATA_DIR: logDir,
    DATABASE_URL: inSchema(CLUSTER.databaseUrl, schema),
    REDIS_URL: CLUSTER.redisUrl,
    LEASE_TTL_MS: String(CLUSTER.leaseTtlMs),
    // nginx runs on this machine: the client's address comes from its X-Forwarded-For.
    TRUST_PROXY: '127.0.0.1',
    WA_SERVER_URL: emulator.url,
    WA_SERVER_CERT_KEY: Buffer.from(emulator.rootPublicKey).toString('base64'),
    WASLA_ADMIN_EMAIL: CLUSTER.email,
    WASLA_ADMIN_PASSWORD: CLUSTER.password,
  };
  const launch = async (index: number): Promise<void> => {
    instances.push(await InstanceProcess.start(`wasla-${index}-${tag}`, env, logDir));
  };
  // The first makes the schema's tables and the admin; the others then join it together.
  await launch(1);
  unlessInterrupted();
  const rest = await Promise.allSettled(Array.from({ length: INSTANCES - 1 }, (_, offset) => launch(offset + 2)));
  for (const outcome of rest) if (outcome.status === 'rejected') throw outcome.reason;
  instances.sort((a, b) => a.id.localeCompare(b.id));
  unlessInterrupted();
  nginx = await startNginx({ binary: CLUSTER.nginx, port: CLUSTER.port, upstreams: instances.map((instance) => instance.address), ownProcessGroup: true });
  // A Ctrl+C during the last step.
  unlessInterrupted();
} catch (error) {
  if (error instanceof Interrupted) say('\nInterrupted while starting: stopping what had started.');
  else process.stderr.write(`npm run cluster could not start: ${reason(error)}\n`);
  const clean = await stopEverything();
  finish(clean && error instanceof Interrupted);
}

const lb = nginx.url;
const emulatorControlUrl = emulator.controlUrl;
const cookie = '/tmp/wasla-cluster.cookie';
const defaults = CLUSTER.port === 3000 && CLUSTER.emulatorPort === 4040;
const width = Math.max(...instances.map((instance) => instance.id.length));
say(`
  Wasla cluster is running: ${INSTANCES} instances behind nginx, no WhatsApp account needed.

  Load balancer  ${lb}   (nginx pid ${nginx.pid}, deploy/nginx.conf.template; API docs: ${lb}/api/docs)
  Log in as      ${CLUSTER.email} / ${CLUSTER.password}
  Instances      ${instances.map((instance) => `${instance.id.padEnd(width)}  ${instance.url}  pid ${instance.pid}`).join('\n                 ')}
  Emulator       ${emulatorControlUrl}   (a WhatsApp server and the phone ${CLUSTER.phone})
  PostgreSQL     ${redactedUrl(CLUSTER.databaseUrl)}, schema ${schema} (dropped when you stop)
  Redis          ${redactedUrl(CLUSTER.redisUrl)}
  Logs           ${logDir}/<instance>.log (removed when you stop)

  Link the emulated phone (in another terminal):   npm run demo:link${defaults ? '' : ` -- --port ${CLUSTER.port} --emulator-port ${CLUSTER.emulatorPort}`}
  Then send a message:
    curl -s -c ${cookie} -H 'content-type: application/json' -d '{"email":"${CLUSTER.email}","password":"${CLUSTER.password}"}' ${lb}/api/auth/login
    curl -s -b ${cookie} -H 'origin: ${lb}' -H 'content-type: application/json' -d '{"to":"0551234567","text":"Hello from the cluster"}' ${lb}/api/messages
    curl -s ${emulatorControlUrl}/control/messages

  Try failover:
    curl -s -b ${cookie} ${lb}/api/cluster          the instance whose "sessions" has "default" runs it: note its "pid"
    kill -9 <that pid>
    curl -s -b ${cookie} ${lb}/api/session/state    "ready" again within 30 s, run by another instance, no scan
  An instance stopped with kill <pid> (SIGTERM) hands its sessions over at once instead.

  Ctrl+C stops everything (the instances first, handing their sessions over) and drops the schema.
`);

for (const instance of instances) {
  void instance.exited.then((code) => {
    if (stopping) return;
    const left = instances.filter((other) => other.running).length;
    // Exit code 0 is a clean stop (SIGTERM, SIGINT): the instance handed its sessions over
    // on its way out. Anything else left its leases to run out.
    const sessions = code === 0 ? 'it handed its sessions over as it left' : `its sessions move over when its leases run out (LEASE_TTL_MS=${CLUSTER.leaseTtlMs}), ready again within 30 s`;
    say(`${instance.id} (pid ${instance.pid}) exited (${code}). ${left ? `${left} instance(s) left: ${sessions}.` : 'No instance is left; Ctrl+C stops the rest.'}`);
  });
}
void nginx.exited.then((code) => {
  if (stopping) return;
  say(`nginx exited (${code}): stopping the cluster.`);
  void stopEverything().then(() => finish(false));
});
