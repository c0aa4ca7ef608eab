import { test } from 'node:test';
import assert from 'node:assert/strict';
import { proto } from 'baileys';
import type { WAMessage, WAMessageUpdate } from 'baileys';
import { phoneFromJid, toInboundMessages, toReceiptUpdates, toReceiptUpdatesFromUpsert } from './baileys-adapter.js';

// Shapes recorded from Baileys 7.0.0-rc14 talking to the emulator.
const key = { remoteJid: '966551234567@s.whatsapp.net', fromMe: true, id: '3EB0A1B2C3D4E5F60718' };

test('messages.update statuses map to sent / delivered / read / failed', () => {
  const updates: WAMessageUpdate[] = [
    { key, update: { status: proto.WebMessageInfo.Status.SERVER_ACK } },
    { key, update: { status: proto.WebMessageInfo.Status.DELIVERY_ACK } },
    { key, update: { status: proto.WebMessageInfo.Status.READ } },
    { key, update: { status: proto.WebMessageInfo.Status.PLAYED } },
    { key, update: { status: proto.WebMessageInfo.Status.ERROR, messageStubParameters: ['463'] } },
  ];
  assert.deepEqual(toReceiptUpdates(updates), [
    { messageId: key.id, status: 'sent', errorCode: null },
    { messageId: key.id, status: 'delivered', errorCode: null },
    { messageId: key.id, status: 'read', errorCode: null },
    { messageId: key.id, status: 'read', errorCode: null },
    { messageId: key.id, status: 'failed', errorCode: '463' },
  ]);
});

test('updates of messages we did not send, without an id, or without a status are ignored', () => {
  assert.deepEqual(
    toReceiptUpdates([
      { key: { ...key, fromMe: false }, update: { status: proto.WebMessageInfo.Status.READ } },
      { key: { ...key, id: undefined }, update: { status: proto.WebMessageInfo.Status.READ } },
      { key, update: { starred: true } },
      { key, update: { status: proto.WebMessageInfo.Status.PENDING } },
    ]),
    [],
  );
});

test('a status folded into messages.upsert is read too (fast acks)', () => {
  const sent = { key, status: proto.WebMessageInfo.Status.ERROR, messageStubParameters: ['463'], message: { conversation: 'hi' } } as WAMessage;
  const incoming = { key: { ...key, fromMe: false }, message: { conversation: 'STOP' } } as WAMessage;
  assert.deepEqual(toReceiptUpdatesFromUpsert([sent, incoming]), [{ messageId: key.id, status: 'failed', errorCode: '463' }]);
});

test('the linked number comes from the device jid in E.164', () => {
  assert.equal(phoneFromJid('966501234567:12@s.whatsapp.net'), '+966501234567');
  assert.equal(phoneFromJid('966501234567@s.whatsapp.net'), '+966501234567');
  assert.equal(phoneFromJid('195984757570327:1@lid'), null, 'a LID is not a phone number');
  assert.equal(phoneFromJid(undefined), null);
  assert.equal(phoneFromJid('not-a-number@s.whatsapp.net'), null);
});

test('toInboundMessages keeps texts from people: plain or extended, by phone or LID with its phone', () => {
  const base = { messageTimestamp: 1_790_000_000 };
  const messages = [
    { ...base, key: { id: 'A', fromMe: false, remoteJid: '966501112222@s.whatsapp.net' }, message: { conversation: 'STOP' } },
    { ...base, key: { id: 'B', fromMe: false, remoteJid: '123456789@lid', remoteJidAlt: '966501113333@s.whatsapp.net' }, message: { extendedTextMessage: { text: 'hello https://example.com' } } },
    { ...base, key: { id: 'C', fromMe: true, remoteJid: '966501112222@s.whatsapp.net' }, message: { conversation: 'our own' } },
    { ...base, key: { id: 'D', fromMe: false, remoteJid: '1203630@g.us', participant: '966501112222@s.whatsapp.net' }, message: { conversation: 'in a group' } },
    { ...base, key: { id: 'E', fromMe: false, remoteJid: '966501112222@s.whatsapp.net' }, message: { imageMessage: {} } },
    { ...base, key: { id: 'F', fromMe: false, remoteJid: 'status@broadcast' }, message: { conversation: 'a status' } },
    { ...base, key: { id: 'G', fromMe: false, remoteJid: '987654321@lid' }, message: { conversation: 'no phone known' } },
  ] as unknown as WAMessage[];
  assert.deepEqual(toInboundMessages(messages), [
    { id: 'A', from: '+966501112222', text: 'STOP', at: new Date(1_790_000_000_000) },
    { id: 'B', from: '+966501113333', text: 'hello https://example.com', at: new Date(1_790_000_000_000) },
  ]);
});
