import { test } from 'node:test';
import assert from 'node:assert/strict';
import { proto } from 'baileys';
import type { WAMessage, WAMessageUpdate } from 'baileys';
import { receiptFromServerAck, toReceiptUpdates, toReceiptUpdatesFromUpsert } from './baileys-adapter.js';

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

test("the server's own ack: sent, or failed with WhatsApp's code (a 463 never waits in Baileys' event buffer)", () => {
  assert.deepEqual(receiptFromServerAck({ id: key.id, class: 'message' } as { id: string }), { messageId: key.id, status: 'sent', errorCode: null });
  assert.deepEqual(receiptFromServerAck({ id: key.id, error: '463' }), { messageId: key.id, status: 'failed', errorCode: '463' });
  assert.equal(receiptFromServerAck({}), null);
});
