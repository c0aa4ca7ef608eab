import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isOptOutReply } from './opt-out.js';

describe('isOptOutReply', () => {
  for (const text of ['STOP', 'stop', ' Stop ', '\tSTOP\n', 'إيقاف', ' ايقاف ', 'الغاء', 'إلغاء', 'إيـقـاف', '\u200fالغاء']) {
    it(`opts out on ${JSON.stringify(text)}`, () => assert.equal(isOptOutReply(text), true));
  }
  for (const text of ['', 'stop it', 'please stop', 'STOPP', 'don’t stop', 'إيقاف الرسائل', 'الغ', 'S T O P', 'ok']) {
    it(`keeps ${JSON.stringify(text)}`, () => assert.equal(isOptOutReply(text), false));
  }
});
