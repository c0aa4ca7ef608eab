import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ConfigError, envSchema, isLoopbackHost, loadConfig } from './config.js';

test('.env.example documents exactly the variables the schema reads', () => {
  const example = readFileSync(new URL('../../../../.env.example', import.meta.url), 'utf8');
  const documented = [...example.matchAll(/^([A-Z_]+)=/gm)].map((match) => match[1]).sort();
  const schemaKeys = Object.keys(envSchema.shape).sort();
  assert.ok(schemaKeys.length > 10);
  assert.deepEqual(documented, schemaKeys);
});

test('defaults run on SQLite in ./data on port 3000', () => {
  const config = loadConfig({});
  assert.equal(config.port, 3000);
  assert.equal(config.databaseUrl, null);
  assert.ok(config.dataDir.endsWith('data'));
  assert.equal(config.defaultCountry, 'SA');
  assert.equal(config.whatsapp.serverUrl, 'wss://web.whatsapp.com/ws/chat');
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.whatsapp));
});

test('every problem is reported at once', () => {
  try {
    loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', WASLA_ADMIN_EMAIL: 'admin@example.com' });
    assert.fail('expected a ConfigError');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    const text = error.problems.join('\n');
    for (const name of ['PORT', 'DATABASE_URL', 'LOG_LEVEL', 'WASLA_ADMIN_PASSWORD']) assert.match(text, new RegExp(name));
  }
});

test('the emulator certificate key is accepted only for a loopback WhatsApp URL', () => {
  const key = Buffer.alloc(32, 1).toString('base64');
  assert.equal(loadConfig({ WA_SERVER_URL: 'ws://127.0.0.1:9000/ws/chat', WA_SERVER_CERT_KEY: key }).whatsapp.certPublicKey, key);
  assert.throws(() => loadConfig({ WA_SERVER_CERT_KEY: key }), /loopback/);
});

test('empty values count as unset', () => {
  assert.equal(loadConfig({ DATABASE_URL: '', PORT: '' }).port, 3000);
});

test('loopback is recognised in every spelling, IPv6 included; nothing else is', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::0001', '::ffff:127.0.0.1', '[::ffff:7f00:1]']) {
    assert.equal(isLoopbackHost(host), true, host);
  }
  for (const host of ['0.0.0.0', '::', '[::]', '10.0.0.1', '128.0.0.1', '::2', '::ffff:10.0.0.1', 'example.com', 'localhost.example.com', '']) {
    assert.equal(isLoopbackHost(host), false, host);
  }
});

test('the login cookie is Secure in production unless Wasla listens on loopback (IPv6 too)', () => {
  assert.equal(loadConfig({ HOST: '::1' }).auth.cookieSecure, false);
  assert.equal(loadConfig({ HOST: '127.0.0.1' }).auth.cookieSecure, false);
  assert.equal(loadConfig({ HOST: '0.0.0.0' }).auth.cookieSecure, true);
  assert.equal(loadConfig({ HOST: '::' }).auth.cookieSecure, true);
  assert.equal(loadConfig({ HOST: '::', COOKIE_SECURE: 'false' }).auth.cookieSecure, false);
});

test('a first admin password that is easy to guess is refused at start, with the reason', () => {
  for (const password of ['aaaaaaaaaa', 'password123', 'admin@wasla.test']) {
    assert.throws(() => loadConfig({ WASLA_ADMIN_EMAIL: 'admin@wasla.test', WASLA_ADMIN_PASSWORD: password }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /WASLA_ADMIN_PASSWORD: /);
      return true;
    });
  }
  assert.ok(loadConfig({ WASLA_ADMIN_EMAIL: 'admin@wasla.test', WASLA_ADMIN_PASSWORD: 'correct horse battery' }).initialAdmin);
});

test('slow clients: the header timeout may not exceed the request timeout', () => {
  assert.throws(() => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '5000', HTTP_REQUEST_TIMEOUT_MS: '1000' }), /HTTP_HEADERS_TIMEOUT_MS/);
  assert.deepEqual(loadConfig({}).http, { headersTimeoutMs: 15_000, requestTimeoutMs: 120_000, trustProxy: [] });
});

test('TRUST_PROXY: a list of addresses, CIDR ranges and range names; off unless set; nonsense refused', () => {
  assert.deepEqual(loadConfig({}).http.trustProxy, []);
  assert.deepEqual(loadConfig({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,fd00::/8,loopback' }).http.trustProxy, ['127.0.0.1', '10.0.0.0/8', 'fd00::/8', 'loopback']);
  for (const value of ['true', '*', '10.0.0.0/33', '::1/129', 'nginx', '10.0.0.1/8/2', '10.0.0.0/x']) {
    assert.throws(() => loadConfig({ TRUST_PROXY: value }), /TRUST_PROXY: not an IP address/, value);
  }
});

test('cluster mode is off without REDIS_URL, and on with it and PostgreSQL', () => {
  assert.equal(loadConfig({}).cluster, null);
  assert.equal(loadConfig({ INSTANCE_ID: 'ignored', LEASE_TTL_MS: '5000' }).cluster, null);
  const config = loadConfig({ REDIS_URL: 'rediss://:secret@cache.example:6380/1', DATABASE_URL: 'postgres://db.example/wasla', INSTANCE_ID: 'wasla-1', LEASE_TTL_MS: '5000' });
  assert.deepEqual(config.cluster, { redisUrl: 'rediss://:secret@cache.example:6380/1', instanceId: 'wasla-1', leaseTtlMs: 5000 });
  assert.ok(Object.isFrozen(config.cluster));
});

test('cluster mode: each instance names itself by host and process unless told, with a 15-s lease', () => {
  const env = { REDIS_URL: 'redis://127.0.0.1:6390', DATABASE_URL: 'postgres://db.example/wasla' };
  const first = loadConfig(env).cluster;
  const second = loadConfig(env).cluster;
  assert.equal(first?.leaseTtlMs, 15_000);
  assert.match(first?.instanceId ?? '', new RegExp(`:${process.pid}:[0-9a-f]{8}$`));
  assert.notEqual(first?.instanceId, second?.instanceId, 'two processes never share an id by accident');
  assert.doesNotThrow(() => loadConfig({ ...env, INSTANCE_ID: first?.instanceId ?? '' }), 'the default is a valid INSTANCE_ID');
});

test('cluster mode: REDIS_URL with SQLite is refused, with the other problems', () => {
  assert.throws(
    () => loadConfig({ REDIS_URL: 'redis://127.0.0.1:6390', PORT: 'eighty' }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.problems.join('\n'), /PORT/);
      assert.match(error.problems.join('\n'), /REDIS_URL: .*PostgreSQL.*DATABASE_URL/);
      return true;
    },
  );
});

test('cluster mode: a bad REDIS_URL, INSTANCE_ID or lease length is refused', () => {
  const base = { DATABASE_URL: 'postgres://db.example/wasla', REDIS_URL: 'redis://127.0.0.1:6390' };
  assert.throws(() => loadConfig({ ...base, REDIS_URL: 'http://127.0.0.1:6379' }), /REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/);
  assert.throws(() => loadConfig({ ...base, INSTANCE_ID: 'has space' }), /INSTANCE_ID/);
  assert.throws(() => loadConfig({ ...base, INSTANCE_ID: 'x'.repeat(101) }), /INSTANCE_ID/);
  assert.throws(() => loadConfig({ ...base, LEASE_TTL_MS: '999' }), /LEASE_TTL_MS: must be at least 1000/);
  assert.throws(() => loadConfig({ ...base, LEASE_TTL_MS: '20001' }), /LEASE_TTL_MS: .*within 30 s/);
  assert.equal(loadConfig({ ...base, LEASE_TTL_MS: '20000' }).cluster?.leaseTtlMs, 20_000);
});
