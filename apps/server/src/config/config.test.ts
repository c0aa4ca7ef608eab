import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ConfigError, envSchema, loadConfig } from './config.js';

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
