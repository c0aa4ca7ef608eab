import { after, before, describe, test } from './suite.js';
import assert from 'node:assert/strict';
import { ADMIN, Stack, testDatabases } from './harness.js';

// The limits live in memory, not in the database: SQLite is enough.
const [sqlite] = await testDatabases();

async function login(stack: Stack, credentials: { email: string; password: string }, forwardedFor?: string): Promise<{ status: number; code: string | undefined }> {
  const response = await fetch(`${stack.baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
    body: JSON.stringify(credentials),
  });
  const body = (await response.json()) as { error?: { code: string } };
  return { status: response.status, code: body.error?.code };
}

const OPERATOR = { email: 'sara@wasla.test', password: 'operator password 123' };
const wrong = (email: string) => ({ email, password: 'not the password at all' });

async function addOperator(stack: Stack): Promise<void> {
  const cookie = await stack.login();
  const created = await stack.api(cookie, 'POST', '/api/users', { ...OPERATOR, name: 'Sara', role: 'operator' });
  assert.equal(created.status, 201);
}

describe('login limits behind a trusted proxy (TRUST_PROXY=127.0.0.1)', () => {
  let stack: Stack;
  before(async () => {
    stack = await Stack.start({ database: sqlite!, env: { TRUST_PROXY: '127.0.0.1', LOGIN_RATE_LIMIT: '4' } });
    await addOperator(stack);
  });
  after(() => stack?.close());

  test("one person's typos use up their own address's attempts, not the team's", async () => {
    for (let attempt = 0; attempt < 3; attempt += 1) assert.equal((await login(stack, wrong(OPERATOR.email), '203.0.113.7')).status, 401);
    assert.deepEqual(await login(stack, wrong(OPERATOR.email), '203.0.113.7'), { status: 401, code: 'invalid_credentials' });
    assert.deepEqual(await login(stack, OPERATOR, '203.0.113.7'), { status: 429, code: 'rate_limited' }, 'that address has used its attempts');
    // A colleague behind the same proxy logs in at once.
    assert.equal((await login(stack, ADMIN, '203.0.113.8')).status, 200);
    // The proxy appends the address it saw: the last untrusted one is the client.
    assert.equal((await login(stack, OPERATOR, '198.51.100.1, 203.0.113.9')).status, 200);
  });

  test('wrong passwords for one account are limited from any address; other accounts are not affected', async () => {
    // Ten wrong passwords, each from another address (below every address's own limit).
    for (let attempt = 0; attempt < 10; attempt += 1) {
      assert.equal((await login(stack, wrong(ADMIN.email), `198.51.100.${attempt + 10}`)).status, 401);
    }
    const locked = await login(stack, ADMIN, '198.51.100.50');
    assert.deepEqual(locked, { status: 429, code: 'rate_limited' }, 'even the right password waits while the account is under attack');
    assert.equal((await login(stack, { ...ADMIN, email: ` ${ADMIN.email.toUpperCase()} ` }, '198.51.100.51')).status, 429, 'the same account in another spelling');
    assert.equal((await login(stack, OPERATOR, '198.51.100.50')).status, 200, 'another account logs in');
    // Unknown emails are counted the same, so the answer never tells who has an account.
    for (let attempt = 0; attempt < 10; attempt += 1) await login(stack, wrong('nobody@wasla.test'), `198.51.100.${attempt + 60}`);
    assert.equal((await login(stack, wrong('nobody@wasla.test'), '198.51.100.99')).status, 429);
  });
});

describe('login limits without TRUST_PROXY', () => {
  let stack: Stack;
  before(async () => {
    stack = await Stack.start({ database: sqlite!, env: { LOGIN_RATE_LIMIT: '4' } });
  });
  after(() => stack?.close());

  test('a spoofed X-Forwarded-For changes nothing: every attempt counts against the real address', async () => {
    for (let attempt = 0; attempt < 4; attempt += 1) {
      assert.equal((await login(stack, wrong('someone@wasla.test'), `203.0.113.${attempt + 1}`)).status, 401);
    }
    assert.deepEqual(await login(stack, ADMIN, '203.0.113.200'), { status: 429, code: 'rate_limited' });
    assert.equal((await login(stack, ADMIN)).status, 429);
  });
});

describe('the first admin', () => {
  let stack: Stack;
  before(async () => {
    // No WASLA_ADMIN_*: a fresh install with no user (empty values count as unset).
    stack = await Stack.start({ database: sqlite!, env: { WASLA_ADMIN_EMAIL: '', WASLA_ADMIN_PASSWORD: '' } });
  });
  after(() => stack?.close());

  test('GET /api/auth/setup says, without a login, whether a first admin is needed, and nothing else', async () => {
    const before = await fetch(`${stack.baseUrl}/api/auth/setup`);
    assert.equal(before.status, 200);
    assert.deepEqual(await before.json(), { needsFirstAdmin: true });
    await stack.app.auth.createUser({ email: 'first@wasla.test', name: 'First', password: 'correct horse battery', role: 'admin' });
    const afterwards = await fetch(`${stack.baseUrl}/api/auth/setup`);
    assert.deepEqual(await afterwards.json(), { needsFirstAdmin: false });
  });
});
