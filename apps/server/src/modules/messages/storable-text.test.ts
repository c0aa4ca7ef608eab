import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { storableText } from './storable-text.js';

describe('storableText', () => {
  const replaced: [string, string][] = [
    ['a\u0000b', 'a\uFFFDb'],
    ['\u0000\u0000', '\uFFFD\uFFFD'],
    ['x\uD800y', 'x\uFFFDy'],
    ['x\uDC00', 'x\uFFFD'],
    ['\uDBFF', '\uFFFD'],
    ['\uDC00\uD800', '\uFFFD\uFFFD'],
  ];
  for (const [text, expected] of replaced) {
    it(`replaces what PostgreSQL can't hold in ${JSON.stringify(text)}`, () => assert.equal(storableText(text), expected));
  }
  const kept = ['', 'STOP', 'إيقاف', 'تم 👍🏽 ✅', '😀'.repeat(3000), 'tab\tnew\nline\u0001\u007f', '\uFFFD', '\u200fالغاء'];
  for (const text of kept) {
    it(`keeps ${JSON.stringify(text.slice(0, 12))} (${text.length} code units) as it is`, () => assert.equal(storableText(text), text));
  }
});
