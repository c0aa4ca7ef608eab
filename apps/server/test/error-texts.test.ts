import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERROR_STATUS } from '../src/errors/app-error.js';

// The dashboard says every error in the reader's language: each code the API can answer
// has a text in both dictionaries (read as text: the apps don't import each other).
const dictionary = (name: 'en' | 'ar'): Set<string> =>
  new Set([...readFileSync(new URL(`../../web/src/i18n/${name}.ts`, import.meta.url), 'utf8').matchAll(/^ {2}'([^']+)':/gm)].map((match) => match[1]!));

test('every error code the API answers with has an English and an Arabic text in the dashboard', () => {
  for (const name of ['en', 'ar'] as const) {
    const keys = dictionary(name);
    const missing = Object.keys(ERROR_STATUS).filter((code) => !keys.has(`errors.${code}`) && !keys.has(`errors.code.${code}`));
    assert.deepEqual(missing, [], `${name}.ts has no text for these codes`);
  }
});
