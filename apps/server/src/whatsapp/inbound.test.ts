import { test } from 'node:test';
import assert from 'node:assert/strict';
import { proto } from 'baileys';
import type { WAMessage } from 'baileys';
import { lidFromJid, mappingsFromContacts, phoneFromJid, resolveSenders, toInboundMessages, toLidMappings } from './inbound.js';

// Shapes recorded from Baileys 7.0.0-rc14 talking to the emulator (and, for stubs and
// wrappers, as rc14's decode-wa-message / messages-recv build them).
const at = 1_790_000_000;
const when = new Date(at * 1000).toISOString();
const LID = '195984757570327@lid';

function upserted(key: WAMessage['key'], message: WAMessage['message'], extra: Partial<WAMessage> = {}): WAMessage {
  return { key, message, messageTimestamp: at, ...extra } as WAMessage;
}

test('the linked number comes from the device jid in E.164; a LID is no number', () => {
  assert.equal(phoneFromJid('966501234567:12@s.whatsapp.net'), '+966501234567');
  assert.equal(phoneFromJid('966501234567@s.whatsapp.net'), '+966501234567');
  assert.equal(phoneFromJid('195984757570327:1@lid'), null);
  assert.equal(phoneFromJid(undefined), null);
  assert.equal(phoneFromJid('not-a-number@s.whatsapp.net'), null);
  assert.equal(lidFromJid('195984757570327:3@lid'), LID);
  assert.equal(lidFromJid('966501234567@s.whatsapp.net'), null);
  assert.equal(lidFromJid(null), null);
});

for (const type of ['notify', 'append'] as const) {
  test(`a ${type} upsert: texts from people are kept, by number, by LID with its number, and by LID alone`, () => {
    const messages = [
      upserted({ id: 'A', fromMe: false, remoteJid: '966501112222@s.whatsapp.net', remoteJidAlt: '111@lid', addressingMode: 'pn' }, { conversation: 'STOP' }),
      upserted({ id: 'B', fromMe: false, remoteJid: '123456789@lid', remoteJidAlt: '966501113333@s.whatsapp.net', addressingMode: 'lid' }, { extendedTextMessage: { text: 'hello https://example.com' } }),
      upserted({ id: 'C', fromMe: false, remoteJid: `${LID.replace('@', ':4@')}`, addressingMode: 'lid' }, { conversation: 'no phone known' }),
      upserted({ id: 'D', fromMe: false, remoteJid: '966501112222@s.whatsapp.net' }, { ephemeralMessage: { message: { conversation: 'disappearing' } } }),
      upserted({ id: 'E', fromMe: false, remoteJid: '966501112222@s.whatsapp.net' }, { conversation: 'a\u0000b' }),
    ];
    assert.deepEqual(toInboundMessages({ messages, type }), [
      { id: 'A', from: '+966501112222', fromLid: '111@lid', text: 'STOP', at: when },
      { id: 'B', from: '+966501113333', fromLid: '123456789@lid', text: 'hello https://example.com', at: when },
      { id: 'C', from: null, fromLid: LID, text: 'no phone known', at: when },
      { id: 'D', from: '+966501112222', fromLid: null, text: 'disappearing', at: when },
      { id: 'E', from: '+966501112222', fromLid: null, text: 'a\u0000b', at: when },
    ]);
  });

  test(`a ${type} upsert: our own messages, stubs, groups, broadcasts, newsletters and non-texts are left out`, () => {
    const messages = [
      upserted({ id: 'F', fromMe: true, remoteJid: '966501112222@s.whatsapp.net' }, { conversation: 'our own' }),
      // A message Baileys could not decrypt: a CIPHERTEXT stub with no content, whose id the real message reuses.
      upserted({ id: 'G', fromMe: false, remoteJid: '966501112222@s.whatsapp.net' }, undefined, { messageStubType: proto.WebMessageInfo.StubType.CIPHERTEXT, messageStubParameters: ['No session record'] }),
      upserted({ id: 'H', fromMe: false, remoteJid: '966501112222@s.whatsapp.net' }, { conversation: 'stubbed' }, { messageStubType: proto.WebMessageInfo.StubType.REVOKE }),
      upserted({ id: 'I', fromMe: false, remoteJid: '1203630@g.us', participant: '966501112222@s.whatsapp.net' }, { conversation: 'in a group' }),
      upserted({ id: 'J', fromMe: false, remoteJid: 'status@broadcast', participant: '966501112222@s.whatsapp.net' }, { conversation: 'a status' }),
      upserted({ id: 'K', fromMe: false, remoteJid: '1203630@newsletter' }, { conversation: 'news' }),
      upserted({ id: 'L', fromMe: false, remoteJid: '966501112222@s.whatsapp.net' }, { imageMessage: {} }),
      upserted({ id: 'M', fromMe: false, remoteJid: '966501112222@s.whatsapp.net' }, { conversation: '' }),
      upserted({ id: undefined, fromMe: false, remoteJid: '966501112222@s.whatsapp.net' }, { conversation: 'no id' }),
    ];
    assert.deepEqual(toInboundMessages({ messages, type }), []);
  });
}

test('resolveSenders fills in the numbers the lookup knows, asking once per LID, and keeps the rest', async () => {
  const asked: string[] = [];
  const known = new Map([[LID, '+966501114444']]);
  const inbound = [
    { id: '1', from: null, fromLid: LID, text: 'a', at: when },
    { id: '2', from: null, fromLid: '999@lid', text: 'b', at: when },
    { id: '3', from: '+966501115555', fromLid: null, text: 'c', at: when },
    { id: '4', from: null, fromLid: LID, text: 'd', at: when },
  ];
  const resolved = await resolveSenders(inbound, async (lid) => {
    asked.push(lid);
    return known.get(lid) ?? null;
  });
  assert.deepEqual(resolved.map((m) => m.from), ['+966501114444', null, '+966501115555', '+966501114444']);
  assert.deepEqual(asked, [LID, '999@lid']);
});

test('mappings from lid-mapping.update, history sync and contacts: devices dropped, wrong-way or partial pairs left out', () => {
  assert.deepEqual(
    toLidMappings([
      { lid: '195984757570327:2@lid', pn: '966501116666:0@s.whatsapp.net' },
      { lid: '966501116666@s.whatsapp.net', pn: LID },
      { lid: LID, pn: '' },
    ]),
    [{ lid: LID, phone: '+966501116666' }],
  );
  assert.deepEqual(
    mappingsFromContacts([
      { id: LID, phoneNumber: '966501117777@s.whatsapp.net' },
      { id: '966501118888@s.whatsapp.net', lid: '42@lid' },
      { id: '966501119999@s.whatsapp.net' },
      { id: '43@lid' },
    ]),
    [
      { lid: LID, phone: '+966501117777' },
      { lid: '42@lid', phone: '+966501118888' },
    ],
  );
});
