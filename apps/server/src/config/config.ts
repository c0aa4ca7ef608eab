import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isIP } from 'node:net';
import { z } from 'zod';
import { passwordWeakness } from '../modules/auth/password-policy.js';

// apps/server/{src,dist}/config → apps/web/out
const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../../web/out', import.meta.url));

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** 127.0.0.0/8, ::1 (any spelling, bracketed or not), ::ffff:127.x and localhost. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (LOOPBACK_HOSTS.has(bare.toLowerCase())) return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) {
    const expanded = new URL(`http://[${bare}]/`).hostname; // canonical form: [::1], [::ffff:7f00:1]
    return expanded === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(expanded);
  }
  return false;
}

function isLoopbackUrl(value: string): boolean {
  try {
    return isLoopbackHost(new URL(value).hostname);
  } catch {
    return false;
  }
}

const booleanString = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const positiveInt = z.coerce.number().int().positive();

/** proxy-addr's names for address ranges, accepted in TRUST_PROXY beside addresses and CIDRs. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** One TRUST_PROXY entry: an IP address, a CIDR (`10.0.0.0/8`, `fd00::/8`) or a range name. */
export function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry)) return true;
  const [address, bits, extra] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

/** A comma-separated list of proxies whose X-Forwarded-For Wasla believes; empty means none. */
const proxyList = z
  .string()
  .transform((value) => value.split(',').map((entry) => entry.trim()).filter(Boolean))
  .superRefine((entries, context) => {
    const bad = entries.filter((entry) => !isProxyAddress(entry));
    if (bad.length) context.addIssue({ code: 'custom', message: `not an IP address, CIDR range or one of loopback, linklocal, uniquelocal: ${bad.join(', ')}` });
  });

const INSTANCE_ID_PATTERN = /^[A-Za-z0-9._:-]{1,100}$/;
// A lease outlives its holder by up to its TTL; the taker then needs a few seconds to
// notice, connect and come back `ready`, and the issue promises that within 30 s.
const MIN_LEASE_TTL_MS = 1000;
const MAX_LEASE_TTL_MS = 20_000;

/** Every environment variable Wasla reads; `.env.example` documents the same names. */
export const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('127.0.0.1'),
    DATA_DIR: z.string().min(1).default('./data'),
    WEB_DIR: z.string().min(1).optional(),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL (leave it unset for SQLite)')
      .optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    PUBLIC_ORIGIN: z.url().optional(),
    WA_SERVER_URL: z
      .string()
      .regex(/^wss?:\/\//, 'must be a ws:// or wss:// URL')
      .default('wss://web.whatsapp.com/ws/chat'),
    WA_SERVER_CERT_KEY: z
      .string()
      .regex(/^[A-Za-z0-9+/]{43}=$/, 'must be a base64 32-byte public key')
      .optional(),
    WA_RETRY_BASE_MS: positiveInt.default(1000),
    WA_RETRY_CAP_MS: positiveInt.default(60_000),
    WA_MAX_RETRIES: positiveInt.default(10),
    WA_QR_TIMEOUT_MS: positiveInt.optional(),
    WA_AUTOSTART: booleanString.default(true),
    DEFAULT_COUNTRY: z
      .string()
      .regex(/^[A-Z]{2}$/, 'must be a two-letter ISO country code such as SA')
      .default('SA'),
    WASLA_ADMIN_EMAIL: z.email().optional(),
    WASLA_ADMIN_PASSWORD: z.string().optional(),
    SESSION_TTL_HOURS: positiveInt.default(24 * 7),
    COOKIE_SECURE: booleanString.optional(),
    LOGIN_RATE_LIMIT: positiveInt.default(10),
    TRUST_PROXY: proxyList.optional(),
    WS_MAX_CLIENTS: positiveInt.default(20_000),
    WS_MAX_CLIENTS_PER_USER: positiveInt.default(32),
    HTTP_HEADERS_TIMEOUT_MS: positiveInt.default(15_000),
    HTTP_REQUEST_TIMEOUT_MS: positiveInt.default(120_000),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL (leave it unset for a single process)')
      .optional(),
    INSTANCE_ID: z
      .string()
      .regex(INSTANCE_ID_PATTERN, 'must be 1 to 100 letters, digits and . _ : - (it names this instance in leases and /api/cluster)')
      .optional(),
    LEASE_TTL_MS: z.coerce
      .number()
      .int()
      .min(MIN_LEASE_TTL_MS, `must be at least ${MIN_LEASE_TTL_MS} (shorter leases are lost to an ordinary pause)`)
      .max(MAX_LEASE_TTL_MS, `must be at most ${MAX_LEASE_TTL_MS}, so a dead instance's sessions are taken over within 30 s`)
      .default(15_000),
  });

/** Rules across variables, checked on the raw values so they are reported with the rest. */
function crossFieldProblems(raw: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  const serverUrl = raw.WA_SERVER_URL ?? 'wss://web.whatsapp.com/ws/chat';
  if (raw.WA_SERVER_CERT_KEY && !isLoopbackUrl(serverUrl)) {
    problems.push('WA_SERVER_CERT_KEY: may only be set when WA_SERVER_URL points at a loopback address (the local emulator)');
  }
  if (Number(raw.HTTP_HEADERS_TIMEOUT_MS ?? 15_000) > Number(raw.HTTP_REQUEST_TIMEOUT_MS ?? 120_000)) {
    problems.push('HTTP_HEADERS_TIMEOUT_MS: must not be longer than HTTP_REQUEST_TIMEOUT_MS (the headers are part of the request)');
  }
  if (raw.WASLA_ADMIN_PASSWORD !== undefined) {
    const weakness = passwordWeakness(raw.WASLA_ADMIN_PASSWORD, [raw.WASLA_ADMIN_EMAIL ?? '']);
    if (weakness) problems.push(`WASLA_ADMIN_PASSWORD: ${weakness.message}`);
  }
  if ((raw.WASLA_ADMIN_EMAIL === undefined) !== (raw.WASLA_ADMIN_PASSWORD === undefined)) {
    problems.push('WASLA_ADMIN_PASSWORD: WASLA_ADMIN_EMAIL and WASLA_ADMIN_PASSWORD must be set together');
  }
  if (raw.REDIS_URL !== undefined && raw.DATABASE_URL === undefined) {
    problems.push('REDIS_URL: several instances must share PostgreSQL, not a SQLite file; set DATABASE_URL too, or unset REDIS_URL for a single process');
  }
  return problems;
}

export type Env = z.infer<typeof envSchema>;

/** The validated, frozen configuration handed to `buildApp`. */
export interface AppConfig {
  readonly env: Env['NODE_ENV'];
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** The dashboard's static export; served on the same port when it exists. */
  readonly webDir: string;
  readonly databaseUrl: string | null;
  readonly logLevel: Env['LOG_LEVEL'];
  readonly publicOrigin: string | null;
  readonly whatsapp: {
    readonly serverUrl: string;
    readonly certPublicKey: string | null;
    readonly qrTimeoutMs: number | null;
    readonly autostart: boolean;
    readonly backoff: { readonly baseMs: number; readonly capMs: number; readonly maxRetries: number };
  };
  readonly defaultCountry: string;
  readonly initialAdmin: { readonly email: string; readonly password: string } | null;
  readonly auth: { readonly sessionTtlMs: number; readonly cookieSecure: boolean; readonly loginRateLimit: number };
  readonly ws: { readonly maxClients: number; readonly maxClientsPerUser: number };
  /**
   * Slow clients: all headers within `headersTimeoutMs`, the whole request within `requestTimeoutMs`.
   * `trustProxy`: the proxies whose X-Forwarded-For names the client (empty: the peer is the client).
   */
  readonly http: { readonly headersTimeoutMs: number; readonly requestTimeoutMs: number; readonly trustProxy: readonly string[] };
  /** Several instances sharing PostgreSQL and Redis (`REDIS_URL` set); null for one process. */
  readonly cluster: ClusterConfig | null;
}

export interface ClusterConfig {
  readonly redisUrl: string;
  /** Names this instance in leases and `/api/cluster`; unique among the live instances. */
  readonly instanceId: string;
  /** How long a session's lease lasts without a renewal (and an instance without a heartbeat). */
  readonly leaseTtlMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads the environment once; reports every problem at once. */
export function loadConfig(source: Record<string, string | undefined>): AppConfig {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(cleaned);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`)),
    ...crossFieldProblems(cleaned),
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const env = parsed.data;
  const config: AppConfig = {
    env: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    dataDir: path.resolve(env.DATA_DIR),
    webDir: env.WEB_DIR ? path.resolve(env.WEB_DIR) : DEFAULT_WEB_DIR,
    databaseUrl: env.DATABASE_URL ?? null,
    logLevel: env.LOG_LEVEL,
    publicOrigin: env.PUBLIC_ORIGIN ?? null,
    whatsapp: {
      serverUrl: env.WA_SERVER_URL,
      certPublicKey: env.WA_SERVER_CERT_KEY ?? null,
      qrTimeoutMs: env.WA_QR_TIMEOUT_MS ?? null,
      autostart: env.WA_AUTOSTART,
      backoff: { baseMs: env.WA_RETRY_BASE_MS, capMs: env.WA_RETRY_CAP_MS, maxRetries: env.WA_MAX_RETRIES },
    },
    defaultCountry: env.DEFAULT_COUNTRY,
    initialAdmin:
      env.WASLA_ADMIN_EMAIL && env.WASLA_ADMIN_PASSWORD
        ? { email: env.WASLA_ADMIN_EMAIL, password: env.WASLA_ADMIN_PASSWORD }
        : null,
    auth: {
      sessionTtlMs: env.SESSION_TTL_HOURS * 3600_000,
      cookieSecure: env.COOKIE_SECURE ?? (env.NODE_ENV === 'production' && !isLoopbackHost(env.HOST)),
      loginRateLimit: env.LOGIN_RATE_LIMIT,
    },
    ws: { maxClients: env.WS_MAX_CLIENTS, maxClientsPerUser: env.WS_MAX_CLIENTS_PER_USER },
    http: { headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS, requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS, trustProxy: env.TRUST_PROXY ?? [] },
    cluster: env.REDIS_URL
      ? { redisUrl: env.REDIS_URL, instanceId: env.INSTANCE_ID ?? defaultInstanceId(), leaseTtlMs: env.LEASE_TTL_MS }
      : null,
  };
  return deepFreeze(config);
}

/**
 * Host, process and a random part, so two processes never share an id by accident (in
 * containers every pid may be 1). A restarted process is then a new instance: its previous
 * life's leases run out and are taken like any other.
 */
function defaultInstanceId(): string {
  const host = os.hostname().replace(/[^A-Za-z0-9.-]/g, '-').slice(0, 60) || 'host';
  return `${host}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
