import { test } from 'node:test';
import assert from 'node:assert/strict';
import { returnPath } from './return-path.js';

const ORIGIN = 'https://wasla.example.com';

test('a path on this origin is where the login goes on to', () => {
  assert.equal(returnPath('?next=%2Fapi%2Fdocs', ORIGIN), '/api/docs');
  assert.equal(returnPath(`?next=${encodeURIComponent('/campaigns/view/?id=7')}`, ORIGIN), '/campaigns/view/?id=7');
  assert.equal(returnPath('?next=/api/docs#/auth', ORIGIN), '/api/docs#/auth');
});

test('anything that could leave this origin, or loop back to the login page, is ignored', () => {
  for (const next of ['//evil.example/x', '/\\evil.example', 'https://evil.example/', 'evil.example', 'javascript:alert(1)', '/%2F%2Fevil.example', '/login/', '/login?next=/api/docs', '', '\t//evil.example']) {
    const answer = returnPath(`?next=${encodeURIComponent(next)}`, ORIGIN);
    assert.ok(answer === null || new URL(answer, ORIGIN).origin === ORIGIN, `${next} → ${answer}`);
    if (next !== '/%2F%2Fevil.example') assert.equal(answer, null, next);
  }
  assert.equal(returnPath('', ORIGIN), null);
});
