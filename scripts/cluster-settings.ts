import { DEMO_LOGIN, UsageError, parseOptions, phoneNumber, port, settingsOrExit } from './demo-settings.js';

/** What `npm run cluster` runs on, and where. */
export interface ClusterSettings {
  /** nginx, the one address of the three instances. */
  port: number;
  emulatorPort: number;
  phone: string;
  /** The server to make a fresh schema on; the instances get it with that schema as their search_path. */
  databaseUrl: string;
  redisUrl: string;
  leaseTtlMs: number;
  nginx: string;
  email: string;
  password: string;
}

export const CLUSTER_USAGE = `Usage: npm run cluster -- [options]        (and npm run demo:link -- [options] in a second terminal)

Starts the WhatsApp emulator, three Wasla instances (each its own process of
apps/server/src/main.ts) on PostgreSQL and Redis, and nginx in front of them with
deploy/nginx.conf.template: a cluster on one machine, to link the emulated phone,
kill -9 the instance that runs it and watch another take over. No WhatsApp account is
needed. It starts fresh on every run, in a PostgreSQL schema of its own that is dropped
when it stops (Ctrl+C).

It needs Debian's nginx (apt-get install -y nginx), a PostgreSQL it may create a schema
in, and a Redis. Wasla's Redis channels have fixed names (wasla:events, wasla:commands:*,
wasla:attempts:*), so the Redis must not serve another Wasla: the cluster refuses to
start when something already listens on wasla:events there.

Options (each also read from the environment variable in brackets):
  --port <port>            the load balancer (nginx): dashboard,    [PORT]           default 3000
                           API and /ws
  --emulator-port <port>   the emulator's WhatsApp server and       [EMULATOR_PORT]  default 4040
                           control API
  --phone <E.164 number>   the emulated phone's own number          [DEMO_PHONE]     default +966501234567
  --database-url <url>     PostgreSQL                               [DATABASE_URL]   default postgres://postgres@127.0.0.1:5432/test
  --redis-url <url>        Redis                                    [REDIS_URL]      default redis://127.0.0.1:6379
  --lease-ttl-ms <ms>      how long a killed instance keeps its     [LEASE_TTL_MS]   default 15000
                           sessions (1000 to 20000)
  --nginx <path>           the nginx binary                         [NGINX]          default /usr/sbin/nginx
  -h, --help               show this and exit

The instances listen on free ports of their own; the cluster prints them with their pids.
Pass the same --port and --emulator-port to demo:link. Example, when 3000 is taken:
  npm run cluster -- --port 3100 --emulator-port 4140
  npm run demo:link -- --port 3100 --emulator-port 4140
`;

const MIN_LEASE_TTL_MS = 1000;
const MAX_LEASE_TTL_MS = 20_000;

function leaseTtl(value: string | undefined): number {
  if (value === undefined || value === '') return 15_000;
  const number = Number(value);
  if (!Number.isInteger(number) || number < MIN_LEASE_TTL_MS || number > MAX_LEASE_TTL_MS) {
    throw new UsageError(`--lease-ttl-ms must be a whole number of milliseconds from ${MIN_LEASE_TTL_MS} to ${MAX_LEASE_TTL_MS}, not "${value}".`);
  }
  return number;
}

function url(value: string | undefined, fallback: string, name: string, schemes: string[]): string {
  const chosen = value || fallback;
  if (!schemes.some((scheme) => chosen.startsWith(`${scheme}://`))) throw new UsageError(`${name} must be a ${schemes.map((scheme) => `${scheme}://`).join(' or ')} URL, not "${chosen}".`);
  return chosen;
}

/** Reads the options (flags win over the environment); throws UsageError for anything it doesn't understand. */
export function clusterSettings(argv: string[], env: Record<string, string | undefined>): ClusterSettings | 'help' {
  const values = parseOptions(argv, {
    port: { type: 'string' },
    'emulator-port': { type: 'string' },
    phone: { type: 'string' },
    'database-url': { type: 'string' },
    'redis-url': { type: 'string' },
    'lease-ttl-ms': { type: 'string' },
    nginx: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return 'help';
  return {
    port: port(values.port ?? env.PORT, 3000, '--port'),
    emulatorPort: port(values['emulator-port'] ?? env.EMULATOR_PORT, 4040, '--emulator-port'),
    phone: phoneNumber(values.phone ?? env.DEMO_PHONE),
    databaseUrl: url(values['database-url'] ?? env.DATABASE_URL, 'postgres://postgres@127.0.0.1:5432/test', '--database-url', ['postgres', 'postgresql']),
    redisUrl: url(values['redis-url'] ?? env.REDIS_URL, 'redis://127.0.0.1:6379', '--redis-url', ['redis', 'rediss']),
    leaseTtlMs: leaseTtl(values['lease-ttl-ms'] ?? env.LEASE_TTL_MS),
    nginx: values.nginx || env.NGINX || '/usr/sbin/nginx',
    ...DEMO_LOGIN,
  };
}

/** The cluster's settings for this process, or — for --help or a mistake — the usage, and exit. */
export function clusterSettingsOrExit(): ClusterSettings {
  return settingsOrExit(clusterSettings, CLUSTER_USAGE);
}
