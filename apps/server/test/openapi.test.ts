import { after, before, describe, test } from './suite.js';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Stack, testDatabases } from './harness.js';

const run = promisify(execFile);
const REDOCLY = fileURLToPath(new URL('../../../node_modules/@redocly/cli/bin/cli.js', import.meta.url));
// The document is the same on every database.
const [sqlite] = await testDatabases();

type Operation = { operationId?: string; security?: unknown[]; responses: Record<string, unknown> };
type OpenApi = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };

interface LintProblem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: { pointer: string }[];
}

describe('the OpenAPI document', () => {
  let stack: Stack;
  let document: OpenApi;
  let text: string;
  before(async () => {
    stack = await Stack.start({ database: sqlite! });
    const answer = await stack.api(await stack.login(), 'GET', '/api/docs/json');
    assert.equal(answer.status, 200);
    document = answer.json as OpenApi;
    text = JSON.stringify(document);
  });
  after(() => stack?.close());

  const operations = (): { method: string; url: string; operation: Operation }[] =>
    Object.entries(document.paths).flatMap(([url, item]) => Object.entries(item).map(([method, operation]) => ({ method, url, operation })));

  test('every operation has a unique operationId, and its 401 (and, where it applies, 403) answers', () => {
    const all = operations();
    assert.ok(all.length >= 40, `only ${all.length} operations`);
    const ids = all.map(({ operation }) => operation.operationId);
    assert.ok(ids.every(Boolean), 'an operationId on each');
    assert.equal(new Set(ids).size, ids.length, 'unique');
    for (const { method, url, operation } of all) {
      const isPublic = Array.isArray(operation.security) && operation.security.length === 0;
      if (isPublic) continue;
      assert.ok(operation.responses['401'], `${method} ${url} documents 401`);
      if (method !== 'get') assert.ok(operation.responses['403'], `${method} ${url} documents 403`);
    }
    assert.ok(document.paths['/api/users']?.get?.responses['403'], 'admin routes document 403');
    assert.ok(document.paths['/api/cluster']?.get?.responses['403'], 'GET /api/cluster (admins) documents 403');
    assert.deepEqual(document.paths['/api/auth/login']?.post?.security, [], 'login needs no credentials');
  });

  test('shared shapes are named components, referenced from the routes', () => {
    for (const name of ['ApiError', 'Campaign', 'User', 'SessionState', 'Message', 'Recipient', 'ApiKey']) {
      assert.ok(document.components.schemas[name], `components.schemas.${name}`);
      assert.ok(text.includes(`"#/components/schemas/${name}"`), `${name} is referenced`);
    }
  });

  test('/api/docs: a browser without a login is sent to the login page and back; a script gets 401; the page has our policy', async () => {
    const page = await fetch(`${stack.baseUrl}/api/docs`, { redirect: 'manual', headers: { accept: 'text/html,application/xhtml+xml' } });
    assert.equal(page.status, 303);
    assert.equal(page.headers.get('location'), '/login/?next=%2Fapi%2Fdocs');
    const script = await fetch(`${stack.baseUrl}/api/docs/json`, { redirect: 'manual' });
    assert.equal(script.status, 401);
    const html = await fetch(`${stack.baseUrl}/api/docs`, { headers: { cookie: await stack.login(), accept: 'text/html' } });
    assert.equal(html.status, 200);
    const policy = html.headers.get('content-security-policy') ?? '';
    assert.match(policy, /style-src 'self' 'unsafe-inline'/);
    assert.match(policy, /script-src 'self'[^;]*;/);
    assert.doesNotMatch(/script-src ([^;]*)/.exec(policy)![1]!, /unsafe/);
    assert.doesNotMatch(policy, /upgrade-insecure-requests|https:/);
  });

  test("Redocly's recommended rules find no error (run offline, from node_modules)", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wasla-openapi-'));
    try {
      const file = path.join(dir, 'openapi.json');
      writeFileSync(file, text);
      // No telemetry, no update check: the lint needs nothing from the network.
      const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' };
      const { stdout } = await run(process.execPath, [REDOCLY, 'lint', file, '--extends', 'recommended', '--format', 'json'], { env, cwd: dir, maxBuffer: 32 * 1024 * 1024 }).catch(
        (error: { stdout?: string; stderr?: string }) => {
          // Exit code 1 means problems were found: read them below.
          if (!error.stdout) throw new Error(`redocly failed: ${error.stderr ?? String(error)}`);
          return { stdout: error.stdout };
        },
      );
      const report = JSON.parse(stdout.slice(stdout.indexOf('{'))) as { totals: { errors: number; warnings: number }; problems: LintProblem[] };
      const errors = report.problems.filter((problem) => problem.severity === 'error').map((problem) => `${problem.ruleId}: ${problem.message} at ${problem.location[0]?.pointer ?? '?'}`);
      assert.deepEqual(errors, []);
      assert.equal(report.totals.errors, 0);
      const warnings = report.problems.map((problem) => problem.ruleId);
      for (const rule of ['operation-operationId', 'operation-4xx-response', 'security-defined']) assert.ok(!warnings.includes(rule), `no ${rule} warning`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
