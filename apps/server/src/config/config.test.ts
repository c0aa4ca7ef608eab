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
