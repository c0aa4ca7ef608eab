import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { DUMMY_PASSWORD_HASH, verifyPassword } from './password.js';
import { assertStrongPassword, passwordWeakness } from './password-policy.js';

test('a burst of password checks is bounded: a few hash at once, some wait, the rest are refused at once', async () => {
  const burst = 60;
  const outcomes = await Promise.allSettled(Array.from({ length: burst }, () => verifyPassword('a wrong guess', DUMMY_PASSWORD_HASH)));
  const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
  const concurrent = Math.max(1, availableParallelism() - 1);
  assert.equal(refused.length, burst - concurrent - 32);
  for (const outcome of refused) assert.match(String((outcome as PromiseRejectedResult).reason), /Too many password checks/);
  assert.ok(outcomes.every((outcome) => outcome.status === 'rejected' || outcome.value === false));
});

test('the password policy refuses the guessable and explains; long or uncommon phrases pass', () => {
  for (const weak of ['aaaaaaaaaa', 'password123', 'qwertyuiop', '1234567890', 'iloveyou12', 'P@ssw0rd1234', 'aaaa', 'abcabcabcabc']) {
    assert.ok(passwordWeakness(weak, []), weak);
  }
  assert.match(passwordWeakness('aaaaaaaaaa', [])!.message, /too easy to guess/);
  assert.match(passwordWeakness('aaaa', [])!.message, /at least 10 characters/);
  assert.ok(passwordWeakness('layla.hassan@example.com1', ['layla.hassan@example.com', 'Layla Hassan']), 'the person’s own email');
  for (const strong of ['correct horse battery', 'kitchen-purple-42', 'صباح الخير يا وصلة', 'the quick brown fox jumps over the lazy dog while wasla sends four hundred messages to riyadh and jeddah every single morning']) {
    assert.equal(passwordWeakness(strong, []), null, strong);
  }
  assert.throws(() => assertStrongPassword('password123', []), (error: { code?: string }) => error.code === 'weak_password');
});

test('a weak password carries zxcvbn’s keys beside its English advice, so the dashboard can translate it', () => {
  assert.equal(passwordWeakness('aaaa', [])!.warningCode, 'too_short');
  const repeated = passwordWeakness('aaaaaaaaaaaa', [])!;
  assert.equal(repeated.warningCode, 'simpleRepeat');
  assert.equal(repeated.suggestionCodes.length, repeated.suggestions.length);
  assert.ok(repeated.suggestionCodes.length > 0);
  assert.equal(passwordWeakness('qwertyuiop', [])!.warningCode !== null, true);
  assert.throws(() => assertStrongPassword('password123', []), (error: { details?: { warningCode?: string; suggestionCodes?: string[] } }) => {
    assert.ok(error.details?.warningCode, 'a warning key');
    assert.ok(Array.isArray(error.details?.suggestionCodes));
    return true;
  });
});
