import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findUnstorableText, unstorableCharacter } from './storable-text.js';

test('unstorableCharacter: NUL and unpaired surrogates, wherever they are; everything else passes', () => {
  const cases: [string, string | null][] = [
    ['', null],
    ['plain', null],
    ['😀 pair at the start and end 😀', null],
    ['👨‍👩‍👧‍👦 \uFFFF\uFFFE \u2028 \u200F مرحبا e\u0301', null],
    ['\u0000', 'U+0000'],
    ['ab\u0000', 'U+0000'],
    ['\uD83D', 'U+D83D'],
    ['x\uD83Dy', 'U+D83D'],
    ['x\uDE00', 'U+DE00'],
    ['\uDE00\uD83D', 'U+DE00'], // a low then a high half is no pair
    ['😀\uDE00', 'U+DE00'],
    ['\uD83D\uD83D\uDE00', 'U+D83D'], // the first high half has no partner
  ];
  for (const [text, expected] of cases) assert.equal(unstorableCharacter(text), expected, JSON.stringify(text));
});

test('findUnstorableText: the first one in document order, names included, with its path', () => {
  const body = { a: 'ok', list: ['ok', { 'b c': 'x\u0000' }], later: '\uD800' };
  assert.deepEqual(findUnstorableText(body, 'body'), { field: 'body.list[1]["b c"]', inName: false, character: 'U+0000' });
  assert.deepEqual(findUnstorableText({ ok: 1, nested: { ['k\uDFFF']: 1 } }, 'body'), { field: 'body.nested["k\\udfff"]', inName: true, character: 'U+DFFF' });
  assert.deepEqual(findUnstorableText('\u0000', 'body'), { field: 'body', inName: false, character: 'U+0000' });
  assert.equal(findUnstorableText({ n: 1, b: true, z: null, s: ['😀'] }, 'body'), null);
  // A stream or Buffer body (a CSV upload) is not walked.
  assert.equal(findUnstorableText(Buffer.from('\u0000'), 'body'), null);
});

test('findUnstorableText: 200,000 levels deep without recursion, the path shortened in the middle', () => {
  let deep: unknown = 'a\u0000';
  for (let i = 0; i < 200_000; i += 1) deep = [deep];
  const found = findUnstorableText({ deep }, 'body');
  assert.equal(found?.character, 'U+0000');
  assert.equal(found?.field, `body.deep${'[0]'.repeat(11)}…${'[0]'.repeat(12)}`);
});
